/**
 * @module cli/table
 * Plain-text tables for the cluster commands (kubectl / `flink list` style: upper-case headers, columns
 * padded to their widest cell, numbers right-aligned) and the formatters their cells share.
 */

/** A column: its header and whether its cells align right (numbers) or left (text, the default). */
export interface Column {
  readonly header: string;
  readonly align?: "left" | "right";
}

/** Render `rows` under `columns`, two spaces between columns, no trailing spaces; ends with a newline. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? "";
        return c.align === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join("\n") + "\n";
}

/** `key: value` lines with the keys padded to one width (a summary block above a table). */
export function renderFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length + 1));
  return fields.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${v}`).join("\n") + "\n";
}

/** 1234567 -> "1,234,567". */
export const formatCount = (n: number): string => Math.round(n).toLocaleString("en-US");

/** Bytes in binary units: 0 B, 512 B, 1.5 KiB, 20.0 MiB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A duration as its two largest units: 850ms, 12s, 3m 04s, 2h 05m, 1d 03h. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${two(Math.floor(s / 3600) % 24)}h`;
}

/** An epoch-ms time as local `YYYY-MM-DD HH:MM:SS`, or "-" for 0 (not set). */
export function formatTime(ms: number): string {
  if (ms <= 0) return "-";
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A 0..1 ratio as a percentage: 0.253 -> "25%". */
export const formatRatio = (ratio: number): string => `${Math.round(ratio * 100)}%`;
