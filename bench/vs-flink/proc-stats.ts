/**
 * CPU time and memory of a running process, read from Linux's /proc: utime + stime of
 * /proc/PID/stat (all of the process's threads, plus children it has waited for) in seconds, and the
 * peak resident set (VmHWM of /proc/PID/status) in bytes. The same reading for both engines, so the
 * JVM and Bun are measured alike.
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc/PID/stat's times (sysconf(_SC_CLK_TCK); 100 on Linux x86-64 and arm64). */
const CLOCK_TICKS = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** CPU seconds (user + system, with waited-for children) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / CLOCK_TICKS;
}

/** Peak resident set size in bytes (VmHWM). */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (m === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** A line describing the machine: CPU model, cores, memory. */
export function machineDescription(): { cpu: string; cores: number; memoryGiB: number; kernel: string } {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown CPU";
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  const memKb = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0);
  const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  return { cpu, cores, memoryGiB: Math.round(memKb / 1024 / 1024), kernel };
}
