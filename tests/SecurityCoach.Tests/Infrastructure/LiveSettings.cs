using Microsoft.Extensions.Configuration;

namespace SecurityCoach.Tests.Infrastructure;

/// <summary>Settings a test changes while the program runs, as an operator edits a reloaded file: <see cref="Set"/> signals a reload.</summary>
public sealed class LiveSettings : IConfigurationSource
{
    private readonly Provider _provider = new();

    public IConfigurationProvider Build(IConfigurationBuilder builder) => _provider;

    public void Set(string key, string? value)
    {
        _provider.SetValue(key, value);
    }

    private sealed class Provider : ConfigurationProvider
    {
        public void SetValue(string key, string? value)
        {
            if (value is null)
            {
                Data.Remove(key);
            }
            else
            {
                Data[key] = value;
            }

            OnReload();
        }
    }
}
