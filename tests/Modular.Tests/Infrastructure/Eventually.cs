namespace Modular.Tests.Infrastructure;

/// <summary>
/// For state that a process the test does not control reaches a moment after the answer the test waited for (a row
/// that commits after its e-mail left, an event handled after the response): read it again until it is done.
/// </summary>
public static class Eventually
{
    /// <summary>
    /// Reads until <paramref name="done"/> holds or <paramref name="timeout"/> (20 s) passes, every <paramref name="interval"/>
    /// (50 ms; longer for a costly read such as a scrape); returns the last reading either way, for the test to assert on.
    /// </summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null, TimeSpan? interval = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(50));
        }
    }
}
