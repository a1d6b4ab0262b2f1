namespace CloudLab.ServiceDefaults.Http.Input;

/// <summary>
/// Text that may span lines: tabs and line breaks are allowed in it, other control characters still are not
/// (<see cref="TextRules"/>). Everything else a client sends is one line.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class MultiLineAttribute : Attribute;
