using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;

namespace CloudLab.ServiceDefaults.Http.Input;

/// <summary>
/// Where a bound value's text is: its string properties, and those of its lists, dictionaries and nested objects,
/// worked out once per type. <see cref="For"/> is null for a type that holds no text (ids, numbers, a list of items
/// made of those), so such a parameter costs nothing per request.
/// </summary>
internal sealed class TextShape
{
    private const int MaxDepth = 32;
    private static readonly ConcurrentDictionary<Type, TextShape?> Shapes = new();
    private static readonly TextShape Text = new(ShapeKind.Text);

    private readonly ShapeKind _kind;
    private readonly IReadOnlyList<TextProperty> _properties = [];
    private readonly Func<TextShape?>? _element;
    private readonly (PropertyInfo Key, PropertyInfo Value)? _pair;

    private TextShape(ShapeKind kind) => _kind = kind;

    private TextShape(ShapeKind kind, Func<TextShape?> element)
    {
        _kind = kind;
        _element = element;
    }

    private TextShape(Type pair, Func<TextShape?> value)
    {
        _kind = ShapeKind.Dictionary;
        _element = value;
        _pair = (pair.GetProperty("Key")!, pair.GetProperty("Value")!);
    }

    private TextShape(IReadOnlyList<TextProperty> properties)
    {
        _kind = ShapeKind.Object;
        _properties = properties;
    }

    private enum ShapeKind
    {
        Text,
        List,
        Dictionary,
        Object,
    }

    public static TextShape? For(Type type)
    {
        if (Shapes.TryGetValue(type, out var known))
        {
            return known;
        }

        // A type that refers to itself sees itself as holding text while it is worked out: checked, never skipped.
        Shapes[type] = new TextShape(ShapeKind.Object, () => Shapes.GetValueOrDefault(type));
        var shape = Build(type);
        Shapes[type] = shape;
        return shape;
    }

    /// <summary>Adds an error per refused text in <paramref name="value"/>, named by its path from the field.</summary>
    public void Inspect(object? value, string path, bool multiLine, ref Dictionary<string, string[]>? errors) =>
        Inspect(value, path, multiLine, ref errors, 0);

    private void Inspect(
        object? value, string path, bool multiLine, ref Dictionary<string, string[]>? errors, int depth)
    {
        if (value is null || depth > MaxDepth)
        {
            return;
        }

        switch (_kind)
        {
            case ShapeKind.Text:
                if (TextRules.Problem((string)value, multiLine) is { } problem)
                {
                    (errors ??= [])[path] = [$"{Name(path)} {problem}"];
                }

                break;
            case ShapeKind.Dictionary:
                var entry = 0;
                foreach (var pair in (IEnumerable)value)
                {
                    var key = _pair!.Value.Key.GetValue(pair) as string;
                    if (key is not null && TextRules.Problem(key) is { } keyProblem)
                    {
                        (errors ??= [])[path] = [$"{Name(path)} has a key that {keyProblem}"];
                        key = null;
                    }

                    var entryPath = key is null ? $"{path}[{entry}]" : Join(path, key);
                    _element!()?.Inspect(_pair.Value.Value.GetValue(pair), entryPath, multiLine, ref errors, depth + 1);
                    entry++;
                }

                break;
            case ShapeKind.List:
                var index = 0;
                foreach (var item in (IEnumerable)value)
                {
                    _element!()?.Inspect(item, $"{path}[{index++}]", multiLine, ref errors, depth + 1);
                }

                break;
            case ShapeKind.Object when _element is not null:
                _element()?.Inspect(value, path, multiLine, ref errors, depth);
                break;
            default:
                foreach (var property in _properties)
                {
                    property.Shape.Inspect(
                        property.Info.GetValue(value), Join(path, property.Name), property.MultiLine, ref errors,
                        depth + 1);
                }

                break;
        }
    }

    private static TextShape? Build(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return Text;
        }

        if (type.IsPrimitive || type.IsEnum || type.IsPointer)
        {
            return null;
        }

        if (typeof(IEnumerable).IsAssignableFrom(type) && GenericArgument(type, typeof(IEnumerable<>), 0) is { } item)
        {
            // Dictionaries are lists of key-value pairs: their keys are text a client chose, like their values.
            if (item.IsGenericType && item.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))
            {
                var (key, value) = (item.GetGenericArguments()[0], item.GetGenericArguments()[1]);
                return key == typeof(string) || For(value) is not null ? new TextShape(item, () => For(value)) : null;
            }

            return For(item) is null ? null : new TextShape(ShapeKind.List, () => For(item));
        }

        // Framework types (Guid, DateTime, decimal, ClaimsPrincipal, HttpContext…) are not a client's text.
        if (type.Namespace is { } space && (space.StartsWith("System", StringComparison.Ordinal)
            || space.StartsWith("Microsoft", StringComparison.Ordinal)))
        {
            return null;
        }

        var multiLineParameters = type.GetConstructors()
            .SelectMany(constructor => constructor.GetParameters())
            .Where(parameter => parameter.IsDefined(typeof(MultiLineAttribute)))
            .Select(parameter => parameter.Name)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(property => property.CanRead && property.GetIndexParameters().Length == 0)
            .Select(property => (Info: property, Shape: For(property.PropertyType)))
            .Where(property => property.Shape is not null)
            .Select(property => new TextProperty(
                property.Info,
                JsonNamingPolicy.CamelCase.ConvertName(property.Info.Name),
                property.Shape!,
                property.Info.IsDefined(typeof(MultiLineAttribute))
                    || multiLineParameters.Contains(property.Info.Name)))
            .ToList();
        return properties.Count == 0 ? null : new TextShape(properties);
    }

    private static Type? GenericArgument(Type type, Type generic, int position) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() == generic ? type : null)
            ?.GetGenericArguments()[position]
        ?? type.GetInterfaces()
            .FirstOrDefault(candidate => candidate.IsGenericType && candidate.GetGenericTypeDefinition() == generic)
            ?.GetGenericArguments()[position];

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Name(string path) => path.Length == 0 ? "The value" : path;

    private sealed record TextProperty(PropertyInfo Info, string Name, TextShape Shape, bool MultiLine);
}
