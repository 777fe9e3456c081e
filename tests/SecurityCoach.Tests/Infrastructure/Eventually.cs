namespace SecurityCoach.Tests.Infrastructure;

/// <summary>Polls a condition that the cluster reaches asynchronously; on timeout fails with the phase and the last value seen.</summary>
public static class Eventually
{
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, string phase, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{phase}: condition not reached within {timeout ?? TimeSpan.FromSeconds(15)}; last value: {Describe(value)}");
            }

            await Task.Delay(50);
        }
    }

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        _ => System.Text.Json.JsonSerializer.Serialize(value),
    };
}
