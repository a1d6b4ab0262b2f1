namespace CloudLab.Tests.Infrastructure;

/// <summary>Waits for something that happens asynchronously (an event consumed, an invalidation delivered).</summary>
public static class Eventually
{
    public static async Task<T?> GetAsync<T>(Func<Task<T?>> probe, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var value = await probe();
            if (value is not null || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(100);
        }
    }
}
