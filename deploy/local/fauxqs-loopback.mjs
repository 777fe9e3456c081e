// Starts fauxqs (SQS + SNS + S3 on one port) bound to 127.0.0.1 only. fauxqs always listens on 0.0.0.0, so the
// host is rewritten on its way into net.Server#listen. FAUXQS_PORT=0 picks a free port; the chosen one is printed
// as "listening on 127.0.0.1:<port>". Run with the Node 22 from node_modules (fauxqs needs node:sqlite).
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (options, ...rest) {
  if (options && typeof options === "object" && (options.host === "0.0.0.0" || options.host === "::")) {
    options = { ...options, host: "127.0.0.1" };
  }
  return listen.call(this, options, ...rest);
};

// Persistence as fauxqs' own CLI reads it: both variables, or state is in memory only.
const dataDir = process.env.FAUXQS_PERSISTENCE === "true" ? process.env.FAUXQS_DATA_DIR : undefined;
const { startFauxqs } = await import("fauxqs");
const server = await startFauxqs({
  port: Number(process.env.FAUXQS_PORT ?? 4566),
  host: process.env.FAUXQS_HOST ?? "localhost",
  logger: process.env.FAUXQS_LOGGER === "true",
  ...(dataDir ? { dataDir } : {}),
});
console.log(`fauxqs listening on 127.0.0.1:${server.port}`);

// Set by the test fixture, so an emulator never outlives a test host that crashed: its stdin closes with it.
if (process.env.LOCAL_AWS_EXIT_WITH_STDIN === "1") {
  process.stdin.on("end", () => process.exit(0)).resume();
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
