/**
 * @module operators/sql/sql-functions
 * The run-time helpers of compiled SQL expressions (expression-compiler.ts binds them as `H`): calendar
 * fields of UTC epoch milliseconds (computed arithmetically, no Date per call), SQL ROUND, SUBSTRING,
 * TRIM, IN, LIKE (`%`, `_`, backslash escapes), Java-style date patterns, ISO-8601 parsing and the CASTs that
 * can fail. Failures throw SqlExecutionError.
 */
import { BicycleError } from "../../core/index.ts";
import type { SqlType } from "./ir.ts";

/** A record failed while evaluating SQL (division by zero, bad CAST): the user's data, not retriable. */
export class SqlExecutionError extends BicycleError {
  constructor(message: string) {
    super(message, { code: "SQL_EXECUTION", domain: "user" });
  }
}

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 -> [year, month 1-12, day 1-31] (Howard Hinnant's civil_from_days). */
function civil(ms: number): [number, number, number] {
  const z = Math.floor(ms / MS_PER_DAY) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** Milliseconds since midnight UTC. */
function msOfDay(ms: number): number {
  const r = ms % MS_PER_DAY;
  return r < 0 ? r + MS_PER_DAY : r;
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : "0".repeat(width - s.length) + s;
}

/** The helpers compiled expressions call, bound as the parameter `H`. */
export const SQL_FUNCTIONS = {
  divZero(op: string): never {
    throw new SqlExecutionError(`${op} by zero`);
  },
  year: (ms: number): number => civil(ms)[0],
  month: (ms: number): number => civil(ms)[1],
  day: (ms: number): number => civil(ms)[2],
  hour: (ms: number): number => Math.floor(msOfDay(ms) / 3_600_000),
  minute: (ms: number): number => Math.floor(msOfDay(ms) / 60_000) % 60,
  second: (ms: number): number => Math.floor(msOfDay(ms) / 1000) % 60,
  millisecond: (ms: number): number => msOfDay(ms) % 1000,
  /** 1 = Sunday; 1970-01-01 was a Thursday (5). */
  dayOfWeek: (ms: number): number => {
    const d = (Math.floor(ms / MS_PER_DAY) + 4) % 7;
    return (d < 0 ? d + 7 : d) + 1;
  },
  /** SQL ROUND: half away from zero, `digits` may be negative. Decimal-exponent trick avoids 1.005 -> 1.00. */
  round(x: number, digits: number): number {
    if (!Number.isFinite(x)) return x;
    const sign = x < 0 ? -1 : 1;
    const shifted = Math.round(Number(`${Math.abs(x)}e${digits}`));
    return sign * Number(`${shifted}e${-digits}`);
  },
  substring(s: string, start: number, length: number | undefined): string {
    const from = start - 1;
    if (length !== undefined && length < 0) throw new SqlExecutionError(`SUBSTRING length must not be negative, got ${length}`);
    const to = length === undefined ? s.length : from + length;
    return s.substring(Math.max(from, 0), Math.max(Math.min(to, s.length), 0));
  },
  trim: (s: string): string => s.replace(/^ +| +$/g, ""),
  /** SQL IN: TRUE if found; otherwise NULL if any candidate is NULL, else FALSE. */
  in(v: unknown, candidates: readonly unknown[]): boolean | null {
    let sawNull = false;
    for (const c of candidates) {
      if (c === v) return true;
      if (c === null) sawNull = true;
    }
    return sawNull ? null : false;
  },
  greatest(values: readonly unknown[]): unknown {
    let best = values[0] as number;
    for (let i = 1; i < values.length; i++) if ((values[i] as number) > best) best = values[i] as number;
    return best;
  },
  least(values: readonly unknown[]): unknown {
    let best = values[0] as number;
    for (let i = 1; i < values.length; i++) if ((values[i] as number) < best) best = values[i] as number;
    return best;
  },
  like: createLikeMatcher(),
  dateFormat: createDateFormatter(),
  parseTimestamp,
  formatTimestamp: (ms: number): string => formatTimestamp(ms),
  castToInteger(v: unknown, from: SqlType, to: SqlType): number {
    if (typeof v === "number") return Math.trunc(v);
    if (typeof v === "boolean") return v ? 1 : 0;
    const s = String(v).trim();
    // Flink accepts a fraction and truncates it ("1.9" -> 1).
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) {
      const n = Math.trunc(Number(s));
      if (Number.isSafeInteger(n)) return n;
    }
    throw new SqlExecutionError(`cannot CAST ${from} '${s}' to ${to}`);
  },
  castToDouble(v: unknown, from: SqlType): number {
    if (typeof v === "number") return v;
    if (typeof v === "boolean") return v ? 1 : 0;
    const s = String(v).trim();
    const n = s === "" ? NaN : Number(s);
    if (Number.isNaN(n) && s !== "NaN") throw new SqlExecutionError(`cannot CAST ${from} '${s}' to DOUBLE`);
    return n;
  },
  castToVarchar(v: unknown, from: SqlType): string {
    if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
    if (from === "TIMESTAMP" && typeof v === "number") return formatTimestamp(v);
    return String(v);
  },
  castToTimestamp(v: unknown, from: SqlType): number {
    if (typeof v === "number") return Math.trunc(v);
    const ms = parseTimestamp(String(v));
    if (ms === null) throw new SqlExecutionError(`cannot CAST ${from} '${String(v)}' to TIMESTAMP`);
    return ms;
  },
  castToBoolean(v: unknown, from: SqlType): boolean {
    if (typeof v === "boolean") return v;
    if (typeof v === "number") return v !== 0;
    const s = String(v).trim().toLowerCase();
    if (s === "true") return true;
    if (s === "false") return false;
    throw new SqlExecutionError(`cannot CAST ${from} '${String(v)}' to BOOLEAN`);
  },
  now: (): number => Date.now(),
};

/** `yyyy-MM-dd HH:mm:ss.SSS` in UTC. */
export function formatTimestamp(ms: number): string {
  const [y, m, d] = civil(ms);
  const t = msOfDay(ms);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)} ${pad(Math.floor(t / 3_600_000), 2)}:${pad(Math.floor(t / 60_000) % 60, 2)}:${pad(Math.floor(t / 1000) % 60, 2)}.${pad(t % 1000, 3)}`;
}

const TIMESTAMP_RE = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i;

/** ISO-8601 date or date-time (`T` or space), optional fraction and zone (none = UTC); null if invalid. */
export function parseTimestamp(s: string): number | null {
  const m = TIMESTAMP_RE.exec(s);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 2023-02-30 over into March: reject instead.
  if (civil(ms)[2] !== day) return null;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0")) * 60_000;
  }
  return ms;
}

/** LIKE with `%`, `_` and `\` escapes; patterns are compiled to RegExps once and cached. */
function createLikeMatcher(): (value: string, pattern: string) => boolean {
  const cache = new Map<string, RegExp>();
  return (value, pattern) => {
    let re = cache.get(pattern);
    if (re === undefined) {
      re = likeToRegExp(pattern);
      if (cache.size > 1000) cache.clear();
      cache.set(pattern, re);
    }
    return re.test(value);
  };
}

export function likeToRegExp(pattern: string): RegExp {
  let src = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && i + 1 < pattern.length) src += escapeRegExp(pattern[++i]!);
    else if (c === "%") src += "[\\s\\S]*";
    else if (c === "_") src += "[\\s\\S]";
    else src += escapeRegExp(c);
  }
  return new RegExp(src + "$");
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

export type Formatter = (ms: number) => string;

/** Java-style date patterns (yyyy yy MM M dd d HH H mm m ss s SSS, 'quoted text'); cached per pattern. */
function createDateFormatter(): (ms: number, pattern: string) => string {
  const cache = new Map<string, Formatter>();
  return (ms, pattern) => {
    let f = cache.get(pattern);
    if (f === undefined) {
      f = compileDatePattern(pattern);
      if (cache.size > 1000) cache.clear();
      cache.set(pattern, f);
    }
    return f(ms);
  };
}

export function compileDatePattern(pattern: string): Formatter {
  const parts: (string | ((ms: number) => string))[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const close = pattern.indexOf("'", i + 1);
      const end = close < 0 ? pattern.length : close;
      parts.push(end === i + 1 ? "'" : pattern.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    const field = dateField(c, n);
    parts.push(field ?? pattern.slice(i, i + n));
    i += n;
  }
  return (ms) => {
    let s = "";
    for (const p of parts) s += typeof p === "string" ? p : p(ms);
    return s;
  };
}

function dateField(c: string, n: number): ((ms: number) => string) | null {
  switch (c) {
    case "y":
      return n === 2 ? (ms) => pad(civil(ms)[0] % 100, 2) : (ms) => pad(civil(ms)[0], n);
    case "M":
      return (ms) => pad(civil(ms)[1], n);
    case "d":
      return (ms) => pad(civil(ms)[2], n);
    case "H":
      return (ms) => pad(SQL_FUNCTIONS.hour(ms), n);
    case "m":
      return (ms) => pad(SQL_FUNCTIONS.minute(ms), n);
    case "s":
      return (ms) => pad(SQL_FUNCTIONS.second(ms), n);
    case "S":
      return (ms) => pad(SQL_FUNCTIONS.millisecond(ms), 3).slice(0, n).padEnd(n, "0");
    default:
      return null;
  }
}

