/**
 * A single-node Apache Kafka broker (KRaft: one process is broker and controller) on 127.0.0.1, run from
 * the cached Maven Central jars on the machine's Java: configure, format, start, stop, restart, topics.
 * Used by the tests (test/support/kafka-broker.ts) and by users (scripts/kafka.sh).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { checkJava, ensureKafkaLibs, KAFKA_VERSION, kafkaClasspath } from "./libs.ts";
import { canConnect, freePort, readFrom, tailFile } from "./process.ts";

export { canConnect, freePort, isAlive, runningBrokerPid, tailFile, terminatePid } from "./process.ts";

/** The line `kafka.Kafka` logs once the broker is registered, unfenced and serving clients. */
const STARTED_LINE = "Kafka Server started";
const HOST = "127.0.0.1";
/** JVM flags for short-lived CLI tools (TopicCommand): quick start, quiet logs. */
const TOOL_JVM_FLAGS = ["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"];

export interface KafkaBrokerOptions {
  /** Folder for server.properties, the storage (`data/`) and `broker.log`; storage is formatted on first use only. */
  readonly dir: string;
  /** Client (PLAINTEXT) listener port; absent or 0: a free port. */
  readonly port?: number;
  /** Controller listener port; absent or 0: a free port. */
  readonly controllerPort?: number;
  /** Maximum JVM heap in MiB (default 512). */
  readonly heapMb?: number;
  /** How long `start()` waits for the broker to serve clients (default 90 s). */
  readonly startTimeoutMs?: number;
  /** Extra or overriding server.properties entries. */
  readonly properties?: Readonly<Record<string, string>>;
  /** The java process outlives this process and its process group (scripts/kafka.sh). Default false. */
  readonly detached?: boolean;
  /**
   * A watchdog kills the broker (SIGKILL) as soon as this pid is gone, also when that process was itself
   * killed with SIGKILL or exited without running exit handlers (`bun test` runs none). Tests pass
   * `process.pid`.
   */
  readonly ownerPid?: number;
  /** With `ownerPid`: the watchdog also deletes `dir` once the owner is gone. Default false. */
  readonly removeDirWithOwner?: boolean;
}

/** What a run of a Kafka command-line tool printed. */
export interface ToolResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Wall-clock durations in ms, for reports and failure messages. */
export interface BrokerTimings {
  /** Finding (or downloading) the jars. */
  libsMs: number;
  /** StorageTool format (0 when the storage was already formatted). */
  formatMs: number;
  /** Each start, from spawn to serving clients. */
  readonly startsMs: number[];
  /** Each stop, from the signal to the process's exit. */
  readonly stopsMs: number[];
}

/** The listener ports written in an existing `server.properties` of `dir`, if any. */
export function readConfiguredPorts(dir: string): { port: number; controllerPort: number } | undefined {
  const file = join(dir, "server.properties");
  if (!existsSync(file)) return undefined;
  const listeners = /^listeners=(.*)$/m.exec(readFileSync(file, "utf8"))?.[1] ?? "";
  const port = Number(/PLAINTEXT:\/\/[^:]+:(\d+)/.exec(listeners)?.[1]);
  const controllerPort = Number(/CONTROLLER:\/\/[^:]+:(\d+)/.exec(listeners)?.[1]);
  return Number.isInteger(port) && Number.isInteger(controllerPort) ? { port, controllerPort } : undefined;
}

/** A Kafka cluster id: 16 random bytes in URL-safe base64 without padding, not starting with "-" (CLI-safe). */
function randomClusterId(): string {
  for (;;) {
    const id = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/**
 * One broker: fixed ports and storage, started and stopped any number of times. `create()` fetches the
 * jars, writes server.properties and formats the storage; `start()` runs `kafka.Kafka` and resolves once
 * the broker has logged that it started (which in KRaft mode follows registration and unfencing) and
 * accepts TCP connections on its client port.
 *
 * ```
 *   create ──▶ stopped ──start()──▶ running ──stop()──▶ stopped ──start()──▶ running …
 *                                    restart() = stop() + start(), same ports, same storage
 * ```
 */
export class KafkaBroker {
  /** `127.0.0.1:PORT`, the `bootstrap.servers` for clients. */
  readonly bootstrap: string;
  /** stdout and stderr of every run of the broker, appended. */
  readonly logFile: string;
  readonly timings: BrokerTimings;
  private child: ChildProcess | undefined;
  private exit: Promise<number | null> | undefined;
  /** Set when the current child has exited or could not be spawned. */
  private hasExited = true;

  private constructor(
    private readonly options: KafkaBrokerOptions,
    private readonly libsDir: string,
    /** Client listener port. */
    readonly port: number,
    /** Controller listener port. */
    readonly controllerPort: number,
    timings: BrokerTimings,
  ) {
    this.bootstrap = `${HOST}:${port}`;
    this.logFile = join(options.dir, "broker.log");
    this.timings = timings;
  }

  /**
   * Fetches the jars (first use on this machine only), writes `server.properties` and formats the
   * storage if it is not formatted yet. Throws an Error saying what to install when Java or Maven is
   * missing, or what failed when the download or the format fails. Does not start the broker.
   */
  static async create(given: KafkaBrokerOptions): Promise<KafkaBroker> {
    // An absolute folder: the watchdog and scripts/kafka.sh find the process by it on its command line.
    const options: KafkaBrokerOptions = { ...given, dir: resolvePath(given.dir) };
    checkJava();
    const libsStart = performance.now();
    const libsDir = await ensureKafkaLibs();
    const timings: BrokerTimings = { libsMs: Math.round(performance.now() - libsStart), formatMs: 0, startsMs: [], stopsMs: [] };
    mkdirSync(options.dir, { recursive: true });
    const port = options.port === undefined || options.port === 0 ? freePort() : options.port;
    let controllerPort = options.controllerPort === undefined || options.controllerPort === 0 ? freePort() : options.controllerPort;
    while (controllerPort === port) controllerPort = freePort();
    const broker = new KafkaBroker(options, libsDir, port, controllerPort, timings);
    broker.writeConfig();
    if (options.ownerPid !== undefined) broker.startWatchdog(options.ownerPid);
    if (!existsSync(join(broker.dataDir, "meta.properties"))) {
      const formatStart = performance.now();
      await broker.format();
      timings.formatMs = Math.round(performance.now() - formatStart);
    }
    return broker;
  }

  /** The broker's storage folder (`log.dirs`): one subfolder per topic partition. */
  get dataDir(): string {
    return join(this.options.dir, "data");
  }

  get configFile(): string {
    return join(this.options.dir, "server.properties");
  }

  /** Holds the java process's pid while it runs (for scripts/kafka.sh and the watchdog). */
  get pidFile(): string {
    return join(this.options.dir, "broker.pid");
  }

  /** The java process's pid while it runs. */
  get pid(): number | undefined {
    return this.isRunning() ? this.child?.pid : undefined;
  }

  isRunning(): boolean {
    return this.child !== undefined && !this.hasExited;
  }

  private writeConfig(): void {
    const props: Record<string, string> = {
      "process.roles": "broker,controller",
      "node.id": "1",
      listeners: `PLAINTEXT://${HOST}:${this.port},CONTROLLER://${HOST}:${this.controllerPort}`,
      "advertised.listeners": `PLAINTEXT://${HOST}:${this.port}`,
      "controller.listener.names": "CONTROLLER",
      "inter.broker.listener.name": "PLAINTEXT",
      "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
      "controller.quorum.bootstrap.servers": `${HOST}:${this.controllerPort}`,
      "log.dirs": this.dataDir,
      // One node: every internal topic has one replica, and one partition keeps the first
      // group / transaction call fast (no 50-partition topic to create).
      "offsets.topic.replication.factor": "1",
      "offsets.topic.num.partitions": "1",
      "transaction.state.log.replication.factor": "1",
      "transaction.state.log.min.isr": "1",
      "transaction.state.log.num.partitions": "1",
      "share.coordinator.state.topic.replication.factor": "1",
      "share.coordinator.state.topic.min.isr": "1",
      "group.initial.rebalance.delay.ms": "0",
      // After a crash (SIGKILL) the new incarnation cannot register until the old one's session
      // expires (DUPLICATE_BROKER_REGISTRATION): 9 s by default, 3 s here.
      "broker.heartbeat.interval.ms": "500",
      "broker.session.timeout.ms": "3000",
      "num.partitions": "1",
      "log.segment.bytes": String(16 * 1024 * 1024),
      ...this.options.properties,
    };
    const lines = Object.entries(props).map(([key, value]) => `${key}=${value}`);
    writeFileSync(this.configFile, `# Generated by scripts/kafka/broker.ts (Kafka ${KAFKA_VERSION}, KRaft single node)\n${lines.join("\n")}\n`);
  }

  private async format(): Promise<void> {
    const result = await this.runJava(["kafka.tools.StorageTool", "format", "--standalone", "-t", randomClusterId(), "-c", this.configFile], 120_000);
    if (result.exitCode !== 0) {
      throw new Error(`Kafka broker: formatting the storage in ${this.dataDir} failed (exit ${result.exitCode}):\n${`${result.stdout}${result.stderr}`.trim().split("\n").slice(-20).join("\n")}`);
    }
  }

  /** Start the broker and wait until it serves clients. Throws (with the log's tail) if it exits or times out. */
  async start(): Promise<void> {
    if (this.isRunning()) throw new Error(`Kafka broker ${this.bootstrap} is already running (pid ${this.child?.pid})`);
    const began = performance.now();
    const logOffset = existsSync(this.logFile) ? statSync(this.logFile).size : 0;
    const header = `\n===== bicycle: starting Kafka ${KAFKA_VERSION} on ${this.bootstrap} at ${new Date().toISOString()} =====\n`;
    writeFileSync(this.logFile, header, { flag: "a" });
    const log = openSync(this.logFile, "a");
    const heapMb = this.options.heapMb ?? 512;
    const args = [
      `-Xms${Math.min(256, heapMb)}m`,
      `-Xmx${heapMb}m`,
      "-Djava.awt.headless=true",
      `-Dbicycle.kafka.dir=${this.options.dir}`,
      "-Dorg.slf4j.simpleLogger.showDateTime=true",
      "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
      "-cp",
      kafkaClasspath(this.libsDir),
      "kafka.Kafka",
      this.configFile,
    ];
    const detached = this.options.detached ?? false;
    const child = spawn("java", args, { cwd: this.options.dir, stdio: ["ignore", log, log], detached });
    closeSync(log);
    if (detached) child.unref();
    this.child = child;
    this.hasExited = false;
    this.exit = new Promise((resolve) => {
      child.once("exit", (code) => {
        if (this.child === child) {
          this.hasExited = true;
          if (!detached) rmSync(this.pidFile, { force: true });
        }
        resolve(code);
      });
      child.once("error", (error) => {
        if (this.child === child) this.hasExited = true;
        writeFileSync(this.logFile, `bicycle: could not run java: ${error.message}\n`, { flag: "a" });
        resolve(-1);
      });
    });
    if (child.pid !== undefined) writeFileSync(this.pidFile, `${child.pid}\n`);

    const timeoutMs = this.options.startTimeoutMs ?? 90_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.isRunning()) {
        const code = await this.exit;
        throw new Error(`Kafka broker ${this.bootstrap} exited (code ${code}, signal ${child.signalCode}) before it started; last lines of ${this.logFile}:\n${tailFile(this.logFile)}`);
      }
      if (readFrom(this.logFile, logOffset).includes(STARTED_LINE) && (await canConnect(this.port))) break;
      if (Date.now() > deadline) {
        this.kill();
        throw new Error(`Kafka broker ${this.bootstrap} did not start within ${timeoutMs} ms; last lines of ${this.logFile}:\n${tailFile(this.logFile)}`);
      }
      await Bun.sleep(50);
    }
    this.timings.startsMs.push(Math.round(performance.now() - began));
  }

  /**
   * One bash loop per broker, started by `create()`: once `ownerPid` is gone it SIGKILLs the java process
   * named in `broker.pid` (if that pid still runs this broker's command line, so a stale file never kills
   * a stranger) and, if asked, deletes the folder. It runs in its own session, so a Ctrl-C or a kill of
   * the owner's process group does not take it along.
   */
  private startWatchdog(ownerPid: number): void {
    const script = [
      'owner="$1"; dir="$2"; remove="$3"',
      'while kill -0 "$owner" 2>/dev/null; do sleep 0.5; done',
      'pid="$(cat "$dir/broker.pid" 2>/dev/null)"',
      'if [ -n "$pid" ] && tr "\\0" " " < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-Dbicycle.kafka.dir=$dir "; then',
      '  kill -9 "$pid" 2>/dev/null',
      '  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done',
      "fi",
      'if [ "$remove" = 1 ]; then rm -rf -- "$dir"; fi',
    ].join("\n");
    const remove = this.options.removeDirWithOwner === true ? "1" : "0";
    const watchdog = spawn("bash", ["-c", script, "bicycle-kafka-watchdog", String(ownerPid), this.options.dir, remove], { stdio: "ignore", detached: true });
    watchdog.unref();
  }

  /**
   * Stop the broker. SIGTERM (default) is a controlled shutdown; SIGKILL is a crash, after which the next
   * start recovers the logs. A SIGTERM that has not ended the broker within `timeoutMs` becomes SIGKILL.
   */
  async stop(options: { readonly signal?: "SIGTERM" | "SIGKILL"; readonly timeoutMs?: number } = {}): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.isRunning()) return;
    const began = performance.now();
    const exited = this.exit ?? Promise.resolve(null);
    child.kill(options.signal ?? "SIGTERM");
    const timeoutMs = options.timeoutMs ?? 30_000;
    const timedOut = await Promise.race([exited.then(() => false), Bun.sleep(timeoutMs).then(() => true)]);
    if (timedOut) {
      child.kill("SIGKILL");
      await exited;
    }
    this.timings.stopsMs.push(Math.round(performance.now() - began));
  }

  /** Stop and start again on the same ports with the same storage (topics and offsets survive). */
  async restart(options: { readonly signal?: "SIGTERM" | "SIGKILL" } = {}): Promise<void> {
    await this.stop(options);
    await this.start();
  }

  /** SIGKILL the broker now, synchronously (for `process.on("exit")`). */
  kill(): void {
    const pid = this.child?.pid;
    if (pid === undefined || !this.isRunning()) return;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }

  /** Run a Kafka command-line tool's main class (e.g. `org.apache.kafka.tools.TopicCommand`) on the broker's classpath. */
  runTool(mainClass: string, args: readonly string[], timeoutMs = 60_000): Promise<ToolResult> {
    return this.runJava([mainClass, ...args], timeoutMs);
  }

  private async runJava(args: readonly string[], timeoutMs: number): Promise<ToolResult> {
    const proc = Bun.spawn(["java", ...TOOL_JVM_FLAGS, "-cp", kafkaClasspath(this.libsDir), ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    if (proc.signalCode === "SIGKILL") {
      throw new Error(`Kafka tool ${args[0]} did not finish within ${timeoutMs} ms (broker ${this.bootstrap}); it printed:\n${`${stdout}${stderr}`.trim()}`);
    }
    return { exitCode, stdout, stderr };
  }

  /**
   * Create a topic (replication factor 1) and wait until the broker hosts every partition's log, so a
   * client's first request finds the leaders. `config` holds topic configs (`cleanup.policy`, ...).
   */
  async createTopic(name: string, partitions = 1, config: Readonly<Record<string, string>> = {}): Promise<void> {
    const configArgs = Object.entries(config).flatMap(([key, value]) => ["--config", `${key}=${value}`]);
    const args = ["--bootstrap-server", this.bootstrap, "--create", "--topic", name, "--partitions", String(partitions), "--replication-factor", "1", ...configArgs];
    const result = await this.runTool("org.apache.kafka.tools.TopicCommand", args);
    if (result.exitCode !== 0) {
      const why = `${result.stdout}${result.stderr}`.trim().split("\n").filter((line) => line.trim() !== "").slice(-5).join("\n");
      throw new Error(`Kafka broker ${this.bootstrap}: creating topic ${name} with ${partitions} partitions failed: ${why}`);
    }
    const deadline = Date.now() + 30_000;
    const dirs = Array.from({ length: partitions }, (_, p) => join(this.dataDir, `${name}-${p}`));
    while (!dirs.every((dir) => existsSync(dir))) {
      if (Date.now() > deadline) throw new Error(`Kafka broker ${this.bootstrap}: topic ${name} was created but its ${partitions} partition logs did not appear in ${this.dataDir} within 30 s`);
      await Bun.sleep(20);
    }
  }

  /** The topic's partition count as the broker reports it (TopicCommand --describe). */
  async describeTopic(name: string): Promise<{ readonly name: string; readonly partitions: number }> {
    const result = await this.runTool("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", this.bootstrap, "--describe", "--topic", name]);
    const count = /PartitionCount:\s*(\d+)/.exec(result.stdout)?.[1];
    if (result.exitCode !== 0 || count === undefined) {
      throw new Error(`Kafka broker ${this.bootstrap}: describing topic ${name} failed (exit ${result.exitCode}): ${`${result.stdout}${result.stderr}`.trim().split("\n").slice(-5).join("\n")}`);
    }
    return { name, partitions: Number(count) };
  }
}
