using System.Text;
using System.Text.Json;
using SecurityCoach.Api.Vendors;

namespace SecurityCoach.Tests.Vendors;

public sealed class VendorTimeTests
{
    [Theory]
    [InlineData(1_767_268_800L, 1_767_268_800_000L)]
    [InlineData(1_767_268_800_123L, 1_767_268_800_123L)]
    [InlineData(1_767_268_800_123_456L, 1_767_268_800_123L)]
    [InlineData(1_767_268_800_123_456_789L, 1_767_268_800_123L)]
    [InlineData(99_999_999_999L, 99_999_999_999_000L)]
    [InlineData(100_000_000_000L, 100_000_000_000L)]
    public void Epoch_unit_is_read_from_its_magnitude(long epoch, long unixMs)
    {
        Assert.True(VendorTime.TryEpoch(epoch, out var actual));
        Assert.Equal(unixMs, actual);
    }

    [Theory]
    [InlineData("1767268800", 1_767_268_800_000L)]
    [InlineData("1767268800123", 1_767_268_800_123L)]
    [InlineData("\"1767268800\"", 1_767_268_800_000L)]
    [InlineData("\"1767268800.5\"", 1_767_268_800_500L)]
    [InlineData("1767268800.25", 1_767_268_800_250L)]
    public void Epoch_numbers_and_numeric_strings_are_read(string json, long unixMs)
    {
        using var document = JsonDocument.Parse(json);

        Assert.True(VendorTime.TryEpoch(document.RootElement, out var actual));
        Assert.Equal(unixMs, actual);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("\"soon\"")]
    [InlineData("\"\"")]
    [InlineData("true")]
    public void Zero_negative_and_non_numeric_epochs_are_not_times(string json)
    {
        using var document = JsonDocument.Parse(json);

        Assert.False(VendorTime.TryEpoch(document.RootElement, out _));
    }

    [Theory]
    [InlineData("2026-01-01T12:00:00Z", 1_767_268_800_000L)]
    [InlineData("2026-01-01T12:00:00.1Z", 1_767_268_800_100L)]
    [InlineData("2026-01-01T12:00:00.123Z", 1_767_268_800_123L)]
    [InlineData("2026-01-01T12:00:00.1234567Z", 1_767_268_800_123L)]
    [InlineData("2026-01-01T12:00:00.123456789Z", 1_767_268_800_123L)]
    [InlineData("2026-01-01T14:00:00+02:00", 1_767_268_800_000L)]
    [InlineData("2026-01-01T06:30:00-0530", 1_767_268_800_000L)]
    [InlineData("2026-01-01T13:00:00+01", 1_767_268_800_000L)]
    [InlineData("2026-01-01T12:00:00", 1_767_268_800_000L)]
    [InlineData("2026-01-01 12:00:00.5z", 1_767_268_800_500L)]
    public void Iso8601_with_any_fraction_and_offset_is_read_as_utc(string text, long unixMs)
    {
        Assert.True(VendorTime.TryParseIso8601(Encoding.UTF8.GetBytes(text), out var actual));
        Assert.Equal(unixMs, actual);
    }

    [Theory]
    [InlineData("2026-02-30T00:00:00Z")]
    [InlineData("2026-01-01T24:00:00Z")]
    [InlineData("2026-01-01T12:00:00.Z")]
    [InlineData("2026-01-01T12:00:00+2:00")]
    [InlineData("2026-01-01T12:00:00Zulu")]
    [InlineData("2026-01-01")]
    [InlineData("Fri Dec 31 07:07:07 2021")]
    public void Malformed_iso8601_is_not_a_time(string text)
    {
        Assert.False(VendorTime.TryParseIso8601(Encoding.UTF8.GetBytes(text), out _));
    }

    [Theory]
    [InlineData("Fri Dec 31 07:07:07 2021", 1_640_934_427_000L)]
    [InlineData("Mon Jan  5 14:30:12 2026", 1_767_623_412_000L)]
    [InlineData("mon jan 5 14:30:12 2026", 1_767_623_412_000L)]
    public void Asctime_is_read_as_utc(string text, long unixMs)
    {
        Assert.True(VendorTime.TryParseAsctime(Encoding.UTF8.GetBytes(text), out var actual));
        Assert.Equal(unixMs, actual);
    }

    [Theory]
    [InlineData("Fri Dex 31 07:07:07 2021")]
    [InlineData("Fri Dec 32 07:07:07 2021")]
    [InlineData("Fri Dec 31 07:07 2021")]
    [InlineData("Fri Dec 31 07:07:07 2021 UTC")]
    [InlineData("2021-12-31T07:07:07Z")]
    public void Malformed_asctime_is_not_a_time(string text)
    {
        Assert.False(VendorTime.TryParseAsctime(Encoding.UTF8.GetBytes(text), out _));
    }
}
