/**
 * Process and file helpers for the Kafka broker harness: free ports, TCP probes, pid checks that never
 * signal a stranger, a graceful-then-forced stop, and reading the tail of a log.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

/** A free TCP port on 127.0.0.1 (bound and released). */
export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Whether a TCP connection to host:port is accepted within `timeoutMs`. */
export function canConnect(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** The last `lines` lines of a text file ("" if it does not exist). */
export function tailFile(file: string, lines = 40): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** The text of `file` after byte `offset` ("" if there is none). */
export function readFrom(file: string, offset: number): string {
  const size = existsSync(file) ? statSync(file).size : 0;
  if (size <= offset) return "";
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(size - offset);
    readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/** Whether `pid` is a live process (signal 0 is delivered). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pid in `dir/broker.pid` if that process runs and is the broker of `dir` (its command line names
 * the folder), so a stale pid file never points at a stranger.
 */
export function runningBrokerPid(dir: string): number | undefined {
  const file = join(dir, "broker.pid");
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return args.includes(`-Dbicycle.kafka.dir=${dir}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM `pid` (a clean, controlled shutdown) and wait; SIGKILL once `timeoutMs` has passed. */
export async function terminatePid(pid: number, timeoutMs = 30_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        return; // It exited just now.
      }
      while (isAlive(pid)) await Bun.sleep(20);
      return;
    }
    await Bun.sleep(20);
  }
}
