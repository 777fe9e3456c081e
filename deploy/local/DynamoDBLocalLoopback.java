// Starts Amazon DynamoDB Local bound to 127.0.0.1 only. DynamoDB Local itself has no host option and listens on
// every interface, so this launcher builds the server through its public entry point and rebinds the Jetty
// connector before start. Port 0 picks a free port; the chosen one is printed as "listening on 127.0.0.1:<port>".
// Run with: java -Djava.library.path=<emulator>/DynamoDBLocal_lib -cp "<emulator>/DynamoDBLocal.jar:<emulator>/DynamoDBLocal_lib/*" DynamoDBLocalLoopback.java <port>
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;

public final class DynamoDBLocalLoopback {
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8000;
        // The port given here only passes DynamoDB Local's own argument check; the connector gets the real one.
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(
            new String[] {"-inMemory", "-disableTelemetry", "-port", "8000"});
        var serverField = DynamoDBProxyServer.class.getDeclaredField("server");
        serverField.setAccessible(true);
        Object jetty = serverField.get(proxy);
        Object[] connectors = (Object[]) jetty.getClass().getMethod("getConnectors").invoke(jetty);
        for (Object connector : connectors) {
            connector.getClass().getMethod("setHost", String.class).invoke(connector, "127.0.0.1");
            connector.getClass().getMethod("setPort", int.class).invoke(connector, port);
        }
        proxy.start();
        for (Object connector : connectors) {
            int actual = (int) connector.getClass().getMethod("getLocalPort").invoke(connector);
            System.out.println("DynamoDB Local listening on 127.0.0.1:" + actual);
        }
        System.out.flush();
        // Set by the test fixture, so an emulator never outlives a test host that crashed: its stdin closes with it.
        if ("1".equals(System.getenv("LOCAL_AWS_EXIT_WITH_STDIN"))) {
            Thread watcher = new Thread(() -> {
                try {
                    while (System.in.read() >= 0) { }
                } catch (java.io.IOException e) {
                    // A broken stdin means the parent is gone, same as end of input.
                }
                System.exit(0);
            });
            watcher.setDaemon(true);
            watcher.start();
        }
        proxy.join();
    }
}
