namespace CloudLab.ServiceDefaults.Http.Input;

/// <summary>
/// What text CloudLab takes from a client, wherever it arrives (body, query, route): valid UTF-16 (no lone surrogate),
/// no control character (NUL included: PostgreSQL cannot store it and answers "invalid byte sequence" for it), and at
/// most <see cref="MaxLength"/> characters. Fields say their own, shorter limits; this one holds for any field that
/// forgot. Only text marked <see cref="MultiLineAttribute"/> may hold tabs and line breaks.
/// </summary>
public static class TextRules
{
    /// <summary>The longest text any field takes (a field's own limit is usually far lower).</summary>
    public const int MaxLength = 10_000;

    /// <summary>Why <paramref name="text"/> is refused, to follow its field's name; null if acceptable.</summary>
    public static string? Problem(ReadOnlySpan<char> text, bool multiLine = false, int maxLength = MaxLength)
    {
        if (text.Length > maxLength)
        {
            return $"must be at most {maxLength} characters.";
        }

        // Most text has nothing below U+0020, nothing from U+007F to U+009F and no surrogate: one vectorized pass each.
        if (text.IndexOfAnyInRange('\u0000', '\u001f') < 0
            && text.IndexOfAnyInRange('\u007f', '\u009f') < 0
            && text.IndexOfAnyInRange('\ud800', '\udfff') < 0)
        {
            return null;
        }

        for (var index = 0; index < text.Length; index++)
        {
            var character = text[index];
            if (char.IsHighSurrogate(character) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
            {
                index++; // a valid pair: a character beyond the BMP (an emoji, say)
            }
            else if (char.IsSurrogate(character))
            {
                return "must be valid Unicode text (it has a lone UTF-16 surrogate).";
            }
            else if (character == '\0')
            {
                return "must not contain NUL characters.";
            }
            else if (char.IsControl(character) && !(multiLine && character is '\t' or '\n' or '\r'))
            {
                return multiLine
                    ? "must not contain control characters other than tabs and line breaks."
                    : "must not contain control characters (line breaks and tabs included).";
            }
        }

        return null;
    }
}
