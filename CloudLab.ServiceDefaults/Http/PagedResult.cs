namespace CloudLab.ServiceDefaults.Http;

/// <summary>One page of a list: <c>{ items, page, pageSize, totalCount }</c>.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int Page, int PageSize, long TotalCount);

public static class PagedResult
{
    public static PagedResult<T> Create<T>(PageRequest request, IReadOnlyList<T> items, long totalCount) =>
        new(items, request.Page, request.PageSize, totalCount);
}
