using System.Net;
using System.Net.Sockets;

namespace SecurityCoach.Benchmarks.Load;

/// <summary>
/// Loopback ports nobody listens on, so silos started here or by the tests never collide with each other or with a
/// running silo. (The tests reference this project for its load generator and emulators, and use this too.)
/// </summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
