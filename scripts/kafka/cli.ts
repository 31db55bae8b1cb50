/**
 * `scripts/kafka.sh start|stop|restart|status|reset`: the tests' single-node Kafka broker for users trying
 * the examples, running in the background with its folder under ~/.cache/bicycle/kafka-broker.
 */
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { canConnect, KafkaBroker, readConfiguredPorts, runningBrokerPid, terminatePid } from "./broker.ts";
import { bicycleCacheDir, KAFKA_VERSION } from "./libs.ts";

const USAGE = `usage: scripts/kafka.sh <command> [--port 9092] [--controller-port 9093] [--dir DIR]

  start     start the broker in the background (jars are fetched with Maven on first use); prints the
            bootstrap address. Topics and data are kept between stop and start.
  stop      stop the broker (controlled shutdown; SIGKILL after 30 s)
  restart   stop, then start on the same address
  status    print the address, pid and log file; exit code 1 when it is not running
  reset     stop and delete the broker's folder (all topics and data)

The folder is $BICYCLE_KAFKA_DIR, else ~/.cache/bicycle/kafka-broker. Needs Java 17+ and Maven.`;

const { values, positionals } = parseArgs({
  args: Bun.argv.slice(2),
  allowPositionals: true,
  options: {
    port: { type: "string" },
    "controller-port": { type: "string" },
    dir: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

const dir = resolve(values.dir ?? process.env.BICYCLE_KAFKA_DIR ?? join(bicycleCacheDir(), "kafka-broker"));
const command = positionals[0];

function parsePort(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--${name} must be a TCP port (1-65535), got ${text}`);
  return port;
}

function bootstrapOf(): string {
  const ports = readConfiguredPorts(dir);
  return ports === undefined ? "(unknown)" : `127.0.0.1:${ports.port}`;
}

async function start(): Promise<void> {
  const pid = runningBrokerPid(dir);
  if (pid !== undefined) {
    console.log(`Kafka is already running at ${bootstrapOf()} (pid ${pid}, folder ${dir})`);
    return;
  }
  const configured = readConfiguredPorts(dir);
  const port = parsePort(values.port, "port") ?? configured?.port ?? 9092;
  const controllerPort = parsePort(values["controller-port"], "controller-port") ?? configured?.controllerPort ?? 9093;
  // The controller's address is written into the formatted storage (the voter set), so it is fixed.
  if (configured !== undefined && controllerPort !== configured.controllerPort) {
    throw new Error(`the storage in ${dir} was formatted for controller port ${configured.controllerPort}; run \`scripts/kafka.sh reset\` first to use ${controllerPort}`);
  }
  for (const [name, p] of [["port", port], ["controller-port", controllerPort]] as const) {
    if (await canConnect(p)) throw new Error(`127.0.0.1:${p} is already in use by another program; pass --${name} with a free port`);
  }
  const broker = await KafkaBroker.create({ dir, port, controllerPort, detached: true });
  console.error(`starting Kafka ${KAFKA_VERSION} (log: ${broker.logFile}) ...`);
  await broker.start();
  console.error(`Kafka is running (pid ${broker.pid}, started in ${broker.timings.startsMs[0]} ms); bootstrap servers:`);
  console.log(broker.bootstrap);
}

async function stop(): Promise<boolean> {
  const pid = runningBrokerPid(dir);
  if (pid === undefined) return false;
  await terminatePid(pid);
  rmSync(join(dir, "broker.pid"), { force: true });
  return true;
}

async function main(): Promise<number> {
  switch (command) {
    case "start":
      await start();
      return 0;
    case "stop":
      console.log((await stop()) ? `Kafka at ${bootstrapOf()} stopped` : "Kafka is not running");
      return 0;
    case "restart":
      await stop();
      await start();
      return 0;
    case "status": {
      const pid = runningBrokerPid(dir);
      if (pid === undefined) {
        console.log(`Kafka is not running (folder ${dir})`);
        return 1;
      }
      console.log(`Kafka is running at ${bootstrapOf()} (pid ${pid}, log ${join(dir, "broker.log")})`);
      return 0;
    }
    case "reset":
      await stop();
      rmSync(dir, { recursive: true, force: true });
      console.log(`deleted ${dir}`);
      return 0;
    default:
      console.error(values.help === true || command === undefined ? USAGE : `unknown command ${command}\n\n${USAGE}`);
      return values.help === true ? 0 : 2;
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`scripts/kafka.sh ${command ?? ""}: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
