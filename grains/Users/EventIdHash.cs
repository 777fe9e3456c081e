namespace SecurityCoach.Users;

/// <summary>
/// A stable 64-bit hash of an event id (FNV-1a over its UTF-16 code units), for the de-duplication window. Stable
/// across processes and silos, unlike <see cref="string.GetHashCode()"/>. With 1,024 ids in the window the chance that
/// two different ids collide is about 3 × 10⁻¹⁴; ids are chosen by vendors, and only a tenant's own events share a
/// window, so a crafted collision could only drop that tenant's own event.
/// </summary>
public static class EventIdHash
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong Of(string eventId)
    {
        var hash = OffsetBasis;
        foreach (var c in eventId)
        {
            hash = (hash ^ (byte)c) * Prime;
            hash = (hash ^ (byte)(c >> 8)) * Prime;
        }

        return hash;
    }
}
