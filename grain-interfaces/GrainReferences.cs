namespace SecurityCoach;

/// <summary>
/// References to string-keyed grains, made without reflection. Orleans' <c>GetGrain&lt;T&gt;(string)</c> resolves
/// the interface's grain interface type from its attributes on every call, which showed in profiles of the hot path
/// (a coaching started per matched event, the tenant grain asked per batch and per request; bench/README.md). Here
/// the grain type and interface type are resolved once per interface, by Orleans itself on the first call, and every
/// later reference is built from them: the same reference Orleans would build. Use it for every string-keyed grain in product code.
/// </summary>
public static class GrainReferences
{
    public static T Reference<T>(this IGrainFactory grains, string key) where T : IGrainWithStringKey
    {
        if (Resolved<T>.Types is { } types)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(key);
            return (T)grains.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        }

        var reference = grains.GetGrain<T>(key);
        var grainId = reference.GetGrainId();
        // A grain type Orleans could not resolve yet (a "sys." stub, in a cluster still learning its grain types) is
        // not remembered: the next call asks again.
        if (!grainId.Type.ToString()!.StartsWith(GrainTypePrefix.SystemPrefix, StringComparison.Ordinal))
        {
            Resolved<T>.Types = new ResolvedTypes(grainId.Type, ((GrainReference)(object)reference).InterfaceType);
        }

        return reference;
    }

    /// <summary>The types Orleans resolved for <typeparamref name="T"/> (the same in every silo and client of a process: they follow from the code).</summary>
    private static class Resolved<T>
    {
        /// <summary>A reference, so that a thread reading it while another sets it sees both types or neither.</summary>
        public static ResolvedTypes? Types;
    }

    private sealed record ResolvedTypes(GrainType Grain, GrainInterfaceType Interface);
}
