using System.Globalization;
using System.Net;
using Amazon.DynamoDBv2.Model;
using SecurityCoach.Providers.Aws.Internal;

namespace SecurityCoach.Providers.Aws.Clustering;

/// <summary>
/// How membership rows look in DynamoDB. PK = cluster id, SK = the silo address (<c>ip:port@generation</c>) or
/// <see cref="VersionKey"/> for the table version row (no silo address starts with '$', and it sorts first).
/// Every row carries its own ETag (a GUID) and, on silo rows, the table version it was written with.
/// </summary>
internal static class MembershipItems
{
    public const string VersionKey = "$version";
    public const string ETag = "ETag";
    public const string Version = "Version";
    public const string Status = "Status";
    public const string ProxyPort = "ProxyPort";
    public const string IAmAliveTime = "IAmAliveTime";

    public static MembershipEntry ToEntry(Dictionary<string, AttributeValue> item)
    {
        var silo = SiloAddress.FromParsableString(item[DynamoDBTables.SortKey].S);
        var suspects = new List<Tuple<SiloAddress, DateTime>>();
        foreach (var suspect in item.TryGetValue("SuspectTimes", out var list) ? list.L ?? [] : [])
        {
            var separator = suspect.S.LastIndexOf(',');
            suspects.Add(Tuple.Create(SiloAddress.FromParsableString(suspect.S[..separator]), Time(suspect.S[(separator + 1)..])));
        }

        return new MembershipEntry
        {
            SiloAddress = silo,
            Status = (SiloStatus)int.Parse(item[Status].N, CultureInfo.InvariantCulture),
            ProxyPort = int.Parse(item[ProxyPort].N, CultureInfo.InvariantCulture),
            HostName = Text(item, "HostName"),
            SiloName = Text(item, "SiloName"),
            RoleName = Text(item, "RoleName"),
            UpdateZone = int.Parse(item["UpdateZone"].N, CultureInfo.InvariantCulture),
            FaultZone = int.Parse(item["FaultZone"].N, CultureInfo.InvariantCulture),
            StartTime = Time(item["StartTime"].S),
            IAmAliveTime = Time(item[IAmAliveTime].S),
            SuspectTimes = suspects,
        };
    }

    public static Dictionary<string, AttributeValue> ToItem(string clusterId, MembershipEntry entry, string etag, int version)
    {
        var item = DynamoDBTables.Key(clusterId, entry.SiloAddress.ToParsableString());
        item[ETag] = new AttributeValue { S = etag };
        item[Version] = Number(version);
        item[Status] = Number((int)entry.Status);
        item[ProxyPort] = Number(entry.ProxyPort);
        item["UpdateZone"] = Number(entry.UpdateZone);
        item["FaultZone"] = Number(entry.FaultZone);
        item["StartTime"] = new AttributeValue { S = Format(entry.StartTime) };
        item[IAmAliveTime] = new AttributeValue { S = Format(entry.IAmAliveTime) };
        // Absent means null: an empty string and null read back the same way, as Orleans' own providers do.
        AddText(item, "HostName", entry.HostName);
        AddText(item, "SiloName", entry.SiloName);
        AddText(item, "RoleName", entry.RoleName);
        if (entry.SuspectTimes is { Count: > 0 } suspects)
        {
            item["SuspectTimes"] = new AttributeValue
            {
                L = suspects.Select(s => new AttributeValue { S = $"{s.Item1.ToParsableString()},{Format(s.Item2)}" }).ToList(),
            };
        }

        return item;
    }

    public static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    // Orleans fills these from DateTime.UtcNow; an unspecified kind is taken as UTC, never as local time.
    public static string Format(DateTime time) =>
        (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToString("O", CultureInfo.InvariantCulture);

    public static DateTime Time(string text) => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public static IPEndPoint Endpoint(Dictionary<string, AttributeValue> item) => SiloAddress.FromParsableString(item[DynamoDBTables.SortKey].S).Endpoint;

    private static string Text(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null!;

    private static void AddText(Dictionary<string, AttributeValue> item, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            item[name] = new AttributeValue { S = value };
        }
    }
}
