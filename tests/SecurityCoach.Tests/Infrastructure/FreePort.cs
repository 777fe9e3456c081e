using System.Net;
using System.Net.Sockets;

namespace SecurityCoach.Tests.Infrastructure;

/// <summary>Loopback ports nobody listens on, so test silos never collide with each other or with a running silo.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
