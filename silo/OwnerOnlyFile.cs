namespace SecurityCoach.Silo;

/// <summary>Files holding a key: made readable and writable by their owner only, in a directory only the owner may enter when it is new.</summary>
internal static class OwnerOnlyFile
{
    /// <summary>Writes a new file; throws an <see cref="IOException"/> when one is already there.</summary>
    public static void CreateNew(string path, string text)
    {
        var directory = Path.GetDirectoryName(path)!;
        var created = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            created.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, System.Text.Encoding.ASCII, created);
        writer.Write(text);
    }
}
