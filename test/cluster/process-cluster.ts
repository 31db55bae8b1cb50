/**
 * A cluster of real processes on loopback for tests: `bicycle jobmanager` and `bicycle worker`s started
 * from source with this Bun, logs in files under the test's directory, killed with real signals.
 */
import type { Subprocess } from "bun";
import { join, resolve } from "node:path";
import { connectJobManager, type JobManagerClient } from "../../src/cluster/index.ts";
import { until } from "./helpers.ts";

const ROOT = resolve(import.meta.dir, "../..");
const MAIN = join(ROOT, "src/cli/main.ts");

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

export interface ProcessClusterOptions {
  readonly dir: string;
  readonly heartbeatIntervalMs?: number;
  readonly heartbeatTimeoutMs?: number;
}

export class ProcessCluster {
  readonly jobManagerAddress: string;
  readonly client: JobManagerClient;
  private readonly processes = new Map<string, Subprocess>();
  private readonly checkpointDir: string;

  constructor(private readonly options: ProcessClusterOptions) {
    this.jobManagerAddress = `127.0.0.1:${freePort()}`;
    this.checkpointDir = join(options.dir, "checkpoints");
    this.client = connectJobManager(this.jobManagerAddress, { deadlineMs: 5000 });
  }

  private spawn(name: string, args: string[]): Subprocess {
    const proc = Bun.spawn([process.execPath, MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, BICYCLE_LOG: process.env.BICYCLE_LOG ?? "info" },
      stdout: Bun.file(join(this.options.dir, `${name}.out.log`)),
      stderr: Bun.file(join(this.options.dir, `${name}.log`)),
    });
    this.processes.set(name, proc);
    return proc;
  }

  /** Start (or restart) the JobManager and wait until it answers. */
  async startJobManager(): Promise<void> {
    this.spawn("jobmanager", [
      "jobmanager",
      "--bind",
      this.jobManagerAddress,
      "--checkpoint-dir",
      this.checkpointDir,
      "--heartbeat-interval-ms",
      String(this.options.heartbeatIntervalMs ?? 200),
      "--heartbeat-timeout-ms",
      String(this.options.heartbeatTimeoutMs ?? 3000),
      "--slot-wait-timeout-ms",
      "60000",
    ]);
    await until(async () => {
      try {
        await this.client.clusterOverview();
        return true;
      } catch {
        return false;
      }
    }, "the JobManager to answer");
  }

  /** Start a worker process with `slots` slots and wait until the JobManager counts it. */
  async startWorker(id: string, slots: number): Promise<void> {
    this.spawn(id, ["worker", "--jobmanager", this.jobManagerAddress, "--slots", String(slots), "--bind", "127.0.0.1:0", "--rpc-bind", "127.0.0.1:0", "--state-dir", join(this.options.dir, id), "--worker-id", id]);
    await until(async () => (await this.client.clusterOverview()).workers.some((w) => w.workerId === id && w.status === "alive"), `worker ${id} to register`);
  }

  /** kill -9 (or another signal) a process; resolves when it is gone. */
  async kill(name: string, signal: NodeJS.Signals | number = "SIGKILL"): Promise<void> {
    const proc = this.processes.get(name);
    if (proc === undefined) throw new Error(`no process ${name}`);
    proc.kill(signal);
    await proc.exited;
    this.processes.delete(name);
  }

  /** Send a signal without waiting (SIGSTOP / SIGCONT). */
  signal(name: string, signal: NodeJS.Signals): void {
    const proc = this.processes.get(name);
    if (proc === undefined) throw new Error(`no process ${name}`);
    proc.kill(signal);
  }

  /** Whether a process still runs. */
  isRunning(name: string): boolean {
    const proc = this.processes.get(name);
    return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
  }

  async stop(): Promise<void> {
    this.client.close();
    for (const proc of this.processes.values()) proc.kill("SIGCONT");
    await Promise.all([...this.processes.keys()].map((name) => this.kill(name, "SIGKILL")));
  }
}
