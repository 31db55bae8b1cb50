/**
 * @module operators/sql/sql-aggregates
 * The AggregateFunction behind SQL GROUP BY (window and non-window): COUNT(*), COUNT, SUM, MIN, MAX and
 * AVG, each optionally DISTINCT, over compiled argument expressions.
 *
 * Accumulator: one flat JSON-serialisable array, so every state backend can store it:
 *
 *   [ groupRow | null, ...slots of aggregate 0, ...slots of aggregate 1, ... ]
 *
 *   COUNT(*), COUNT   [count]               SUM  [sum | null]      MIN, MAX  [value | null]
 *   AVG               [sum, count]          DISTINCT adds [{ key(value): 1, ... }] after the slots
 *
 * `groupRow` holds the group columns computed from the first row added. NULL arguments are ignored; a
 * DISTINCT aggregate folds a value in only the first time its key (distinctKey) is seen (MIN/MAX ignore
 * DISTINCT). `add` updates the accumulator in place; `merge` (session windows) returns a new one and
 * leaves both inputs untouched. AVG of an integer type truncates toward zero, as in Flink.
 */
import type { AggregateFunction } from "../window/aggregates.ts";
import { compileExpression, compileProjection, type Row } from "./expression-compiler.ts";
import type { AggregateCall, GroupAggregateSpec, SqlType, SqlWindowAggregateSpec } from "./ir.ts";

export type SqlAccumulator = unknown[];

const COUNT = 0;
const SUM = 1;
const MIN = 2;
const MAX = 3;
const AVG = 4;

type DistinctSet = Record<string, 1>;

/** One aggregate call, resolved for the hot loop. */
interface Slot {
  readonly kind: number;
  readonly name: string;
  /** Index of the first accumulator slot. */
  readonly at: number;
  /** Index of the DISTINCT set, or -1. */
  readonly distinctAt: number;
  readonly arg: ((row: Row) => unknown) | null;
  readonly integer: boolean;
}

const KINDS: Readonly<Record<AggregateCall["fn"], number>> = { count_star: COUNT, count: COUNT, sum: SUM, min: MIN, max: MAX, avg: AVG };

function isInteger(type: SqlType): boolean {
  return type === "BIGINT" || type === "INT";
}

/** SQL aggregation of rows into result rows (group columns, then aggregate columns). */
export class SqlAggregateFunction implements AggregateFunction<Row, SqlAccumulator, Row> {
  private readonly slots: readonly Slot[];
  private readonly width: number;
  private readonly groupRow: (row: Row) => Row;
  private readonly groupNames: readonly string[];
  /**
   * True when `merge` equals adding the merged records one by one: no DISTINCT (its sets would be
   * copied per merge) and no SUM/AVG over a non-integer type (float addition in another order may
   * round differently). Sliced sliding windows (operators/window) need this to give identical results.
   */
  readonly mergesExactly: boolean;

  constructor(spec: GroupAggregateSpec) {
    this.groupRow = compileProjection(spec.groupBy, false);
    this.groupNames = spec.groupBy.map((g) => g.name);
    const slots: Slot[] = [];
    let at = 1;
    for (const call of spec.aggregates) {
      const kind = KINDS[call.fn];
      const distinct = call.distinct && kind !== MIN && kind !== MAX;
      const width = kind === AVG ? 2 : 1;
      slots.push({
        kind,
        name: call.name,
        at,
        distinctAt: distinct ? at + width : -1,
        arg: call.fn === "count_star" || call.arg === null ? null : compileExpression(call.arg),
        integer: isInteger(call.type),
      });
      at += width + (distinct ? 1 : 0);
    }
    this.slots = slots;
    this.width = at;
    this.mergesExactly = slots.every((s) => s.distinctAt < 0 && (s.kind === COUNT || s.kind === MIN || s.kind === MAX || s.integer));
  }

  createAccumulator(): SqlAccumulator {
    const acc: unknown[] = new Array<unknown>(this.width).fill(null);
    for (const s of this.slots) {
      if (s.kind === COUNT) acc[s.at] = 0;
      else if (s.kind === AVG) {
        acc[s.at] = 0;
        acc[s.at + 1] = 0;
      }
      if (s.distinctAt >= 0) acc[s.distinctAt] = {};
    }
    return acc;
  }

  add(row: Row, acc: SqlAccumulator): SqlAccumulator {
    if (acc[0] === null) acc[0] = this.groupRow(row);
    const slots = this.slots;
    for (let j = 0; j < slots.length; j++) {
      const s = slots[j]!;
      if (s.arg === null) {
        (acc[s.at] as number)++;
        continue;
      }
      const v = s.arg(row);
      if (v === null) continue;
      if (s.distinctAt >= 0) {
        const seen = acc[s.distinctAt] as DistinctSet;
        const key = distinctKey(v);
        if (seen[key] === 1) continue;
        seen[key] = 1;
      }
      fold(s, acc, v);
    }
    return acc;
  }

  merge(a: SqlAccumulator, b: SqlAccumulator): SqlAccumulator {
    const acc = a.slice();
    if (acc[0] === null) acc[0] = b[0];
    for (const s of this.slots) {
      if (s.distinctAt >= 0) {
        // Re-fold b's values that a has not seen, so each distinct value counts once.
        const seen: DistinctSet = { ...(a[s.distinctAt] as DistinctSet) };
        acc[s.distinctAt] = seen;
        for (const key of Object.keys(b[s.distinctAt] as DistinctSet)) {
          if (seen[key] === 1) continue;
          seen[key] = 1;
          fold(s, acc, distinctValue(key));
        }
        continue;
      }
      const x = acc[s.at];
      const y = b[s.at];
      switch (s.kind) {
        case COUNT:
          acc[s.at] = (x as number) + (y as number);
          break;
        case SUM:
          acc[s.at] = x === null ? y : y === null ? x : (x as number) + (y as number);
          break;
        case MIN:
          acc[s.at] = x === null ? y : y === null ? x : (y as number) < (x as number) ? y : x;
          break;
        case MAX:
          acc[s.at] = x === null ? y : y === null ? x : (y as number) > (x as number) ? y : x;
          break;
        case AVG:
          acc[s.at] = (x as number) + (y as number);
          acc[s.at + 1] = (acc[s.at + 1] as number) + (b[s.at + 1] as number);
          break;
      }
    }
    return acc;
  }

  /** The result row: group columns, then the aggregates. */
  getResult(acc: SqlAccumulator): Row {
    const row: Row = {};
    this.writeGroup(acc, row);
    this.writeAggregates(acc, row);
    return row;
  }

  /** The result row of a window: group columns, window bounds under the given names, then the aggregates. */
  getWindowResult(acc: SqlAccumulator, startColumn: string, start: number, endColumn: string, end: number): Row {
    const row: Row = {};
    this.writeGroup(acc, row);
    row[startColumn] = start;
    row[endColumn] = end;
    this.writeAggregates(acc, row);
    return row;
  }

  private writeGroup(acc: SqlAccumulator, row: Row): void {
    const group = acc[0] as Row | null;
    for (const name of this.groupNames) row[name] = group === null ? null : (group[name] ?? null);
  }

  private writeAggregates(acc: SqlAccumulator, row: Row): void {
    for (const s of this.slots) {
      const v = acc[s.at];
      if (s.kind === AVG) {
        const count = acc[s.at + 1] as number;
        row[s.name] = count === 0 ? null : s.integer ? Math.trunc((v as number) / count) : (v as number) / count;
      } else row[s.name] = v;
    }
  }
}

/** Fold one non-NULL argument value into the slots of `s`. */
function fold(s: Slot, acc: SqlAccumulator, v: unknown): void {
  const at = s.at;
  const x = acc[at];
  switch (s.kind) {
    case COUNT:
      acc[at] = (x as number) + 1;
      break;
    case SUM:
      acc[at] = x === null ? v : (x as number) + (v as number);
      break;
    case MIN:
      if (x === null || (v as number) < (x as number)) acc[at] = v;
      break;
    case MAX:
      if (x === null || (v as number) > (x as number)) acc[at] = v;
      break;
    case AVG:
      acc[at] = (x as number) + (v as number);
      acc[at + 1] = (acc[at + 1] as number) + 1;
      break;
  }
}

/** The aggregate of a `window` node with `{ type: "sql" }`, plus its window result shaping. */
export function createSqlWindowAggregate(spec: SqlWindowAggregateSpec): {
  readonly aggregate: SqlAggregateFunction;
  readonly result: (accumulator: unknown, start: number, end: number) => Row;
} {
  const aggregate = new SqlAggregateFunction(spec);
  const { windowStart, windowEnd } = spec;
  return { aggregate, result: (acc, start, end) => aggregate.getWindowResult(acc as SqlAccumulator, windowStart, start, windowEnd, end) };
}

/**
 * The key of a DISTINCT value in its accumulator object: a type tag and the value as text ("s" + a
 * string, "n" + a number, "b" + a boolean), cheaper per record than JSON and reversible for merges.
 */
function distinctKey(v: unknown): string {
  return typeof v === "string" ? `s${v}` : typeof v === "number" ? `n${v}` : `b${v as boolean}`;
}

function distinctValue(key: string): unknown {
  const text = key.slice(1);
  return key[0] === "s" ? text : key[0] === "n" ? Number(text) : text === "true";
}
