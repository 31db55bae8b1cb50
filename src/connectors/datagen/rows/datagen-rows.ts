/**
 * @module connectors/datagen/rows/datagen-rows
 * SQL's `datagen` connector (Flink's DataGen table source): `number-of-rows` rows of random or
 * sequence values per column. Row i is a pure function of (seed, i), so the table is the same at any
 * parallelism and after a restore (the GeneratorSource's index splits carry the position).
 *
 * Per column, by `kind`:
 * - `sequence`: start + i (numbers; `start` default 0), the row index as text for VARCHAR.
 * - `random`: BIGINT/INT uniform in [min, max] (default [0, 2^31 - 1]), DOUBLE in [min, max)
 *   (default [0, 1)), BOOLEAN, VARCHAR of `length` (default 10) letters and digits.
 * TIMESTAMP columns are event time: `baseTimeMs + floor(i * 1000 / rowsPerSecond)` (2024-01-01 UTC
 * by default). `rows-per-second` (default 10,000) also paces the source in wall-clock time over all
 * subtasks, as Flink's DataGen does, so event time advances about as fast as the clock.
 */
import { ConfigError, fmix32 } from "../../../core/index.ts";

export interface DatagenColumn {
  readonly name: string;
  readonly type: string;
  readonly kind: "random" | "sequence";
  readonly min?: number;
  readonly max?: number;
  readonly start?: number;
  readonly length?: number;
}

export interface DatagenConfig {
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly seed: number;
  readonly columns: readonly DatagenColumn[];
  readonly baseTimeMs?: number;
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const DEFAULT_BASE_TIME_MS = Date.UTC(2024, 0, 1);

/** A uniform double in [0, 1) from (seed, column, row, draw). */
function unit(seed: number, column: number, row: number, draw = 0): number {
  const h = fmix32((fmix32((seed ^ Math.imul(column + 1, 0x9e3779b1)) >>> 0) ^ Math.imul(row, 0x85ebca6b) ^ Math.imul(draw + 1, 0xc2b2ae35)) >>> 0);
  return h / 4294967296;
}

export function parseDatagenConfig(raw: Readonly<Record<string, unknown>>): DatagenConfig {
  const rows = raw.rows;
  const rate = raw.rowsPerSecond;
  if (typeof rows !== "number" || !Number.isInteger(rows) || rows < 0) throw new ConfigError(`datagen option 'rows' must be a whole number >= 0, got ${JSON.stringify(rows)}`);
  if (typeof rate !== "number" || !(rate > 0)) throw new ConfigError(`datagen option 'rowsPerSecond' must be a positive number, got ${JSON.stringify(rate)}`);
  if (!Array.isArray(raw.columns) || raw.columns.length === 0) throw new ConfigError("datagen needs 'columns'");
  return { rows, rowsPerSecond: rate, seed: typeof raw.seed === "number" ? raw.seed : 0, columns: raw.columns as DatagenColumn[], ...(typeof raw.baseTimeMs === "number" ? { baseTimeMs: raw.baseTimeMs } : {}) };
}

/** The function from row index to row. */
export function datagenRow(config: DatagenConfig): (i: number) => Record<string, unknown> {
  const base = config.baseTimeMs ?? DEFAULT_BASE_TIME_MS;
  const generators = config.columns.map((c, ci): ((i: number) => unknown) => {
    if (c.type === "TIMESTAMP") return (i) => base + Math.floor((i * 1000) / config.rowsPerSecond);
    if (c.kind === "sequence") {
      const start = c.start ?? 0;
      return c.type === "VARCHAR" ? (i) => String(start + i) : (i) => start + i;
    }
    switch (c.type) {
      case "BIGINT":
      case "INT": {
        const min = c.min ?? 0;
        const span = (c.max ?? 2147483647) - min + 1;
        return (i) => min + Math.floor(unit(config.seed, ci, i) * span);
      }
      case "DOUBLE": {
        const min = c.min ?? 0;
        const span = (c.max ?? 1) - min;
        return (i) => min + unit(config.seed, ci, i) * span;
      }
      case "BOOLEAN":
        return (i) => unit(config.seed, ci, i) < 0.5;
      default: {
        const length = c.length ?? 10;
        return (i) => {
          let s = "";
          for (let k = 0; k < length; k++) s += ALPHABET[Math.floor(unit(config.seed, ci, i, k) * ALPHABET.length)];
          return s;
        };
      }
    }
  });
  const names = config.columns.map((c) => c.name);
  return (i) => {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = generators[c]!(i);
    return row;
  };
}
