using Orleans.Serialization;
using Orleans.Storage;

namespace SecurityCoach.Storage;

/// <summary>
/// Grain state in Orleans' binary format, written once into pooled buffers and copied out at its exact size. Orleans'
/// own <see cref="OrleansGrainStorageSerializer"/> writes into an <c>ArrayBufferWriter</c> that starts at 256 bytes
/// and doubles: a 16 KB coaching state cost seven arrays and as many copies on every write (bench/README.md).
/// </summary>
public sealed class BinaryGrainStorageSerializer(Serializer serializer) : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new(serializer.SerializeToArray(input));

    public T? Deserialize<T>(BinaryData input) => serializer.Deserialize<T>(input.ToMemory());
}
