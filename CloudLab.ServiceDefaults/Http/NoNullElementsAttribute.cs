using System.Collections;
using System.ComponentModel.DataAnnotations;

namespace CloudLab.ServiceDefaults.Http;

/// <summary>
/// A list whose elements must all be present: <c>[null]</c> in a request body is a 400 with the field named, not a
/// null reference deep in a handler (the validation of nested objects skips null elements).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class NoNullElementsAttribute : ValidationAttribute
{
    public NoNullElementsAttribute()
        : base("{0} must not contain null elements.")
    {
    }

    public override bool IsValid(object? value) =>
        value is not IEnumerable elements || elements.Cast<object?>().All(element => element is not null);
}
