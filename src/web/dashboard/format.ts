/**
 * @module web/dashboard/format
 * How the dashboard writes numbers, rates, bytes, durations and times (the CLI's tables use the same
 * units: 1.2 M, 3.4 k/s, 12.0 MiB, 1h 02m).
 */

/** 1234 -> "1,234"; 1.2e6 -> "1.20 M". */
export function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  return Math.round(n).toLocaleString("en-US");
}

/** Records per second. */
export function rate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${Math.round(perSecond)}/s`;
}

export function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** 3723000 -> "1h 02m 03s"; 850 -> "850 ms". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m ${String(sec).padStart(2, "0")}s`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, "0")}s`;
  return `${sec}s`;
}

/** Epoch ms -> local "YYYY-MM-DD HH:MM:SS"; 0 -> "-". */
export function time(ms: number): string {
  if (ms <= 0) return "-";
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** "3 s ago" from an epoch ms. */
export function ago(ms: number, now = Date.now()): string {
  if (ms <= 0) return "-";
  return `${duration(Math.max(0, now - ms))} ago`;
}

export function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`;
}
