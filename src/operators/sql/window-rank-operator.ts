/**
 * @module operators/sql/window-rank-operator
 * The `sql:window-rank` operator: Flink's window Top-N (`ROW_NUMBER() | RANK() | DENSE_RANK() OVER
 * (PARTITION BY window_start, window_end, ... ORDER BY ...)` filtered by `rank <= limit`).
 *
 * Protocol (keyed by the partition columns, window bounds included):
 * - State: one MapState per key, window end -> the window's *candidates*, sorted in rank order (ties in
 *   arrival order). Only rows that can still make the top `limit` are kept, since later rows can only
 *   push a row down, never up:
 *     row_number  at most `limit` rows (a row tying the last one arrived later, so it ranks after it);
 *     rank        rows with fewer than `limit` strictly better rows (ties with the limit-th row kept);
 *     dense_rank  rows among the first `limit` distinct ORDER BY values.
 *   The state is keyed by window end as well as by key, so a key spanning several windows still works.
 * - A row's window is `row[windowEnd]`. The first row of a window registers an event-time timer at
 *   `windowEnd - 1`. A row whose `windowEnd - 1 <= watermark` is late: it is dropped and counted in
 *   LATE_RECORDS_METRIC, as the window operator does.
 * - When the watermark reaches `windowEnd - 1` the timer emits the candidates in rank order, each with
 *   its rank in `rankColumn` (when not null) and timestamp `windowEnd - 1`, and drops the window's
 *   state. Results of one watermark are emitted before the watermark is forwarded.
 *
 * ORDER BY compares numbers, timestamps, strings (code-unit order) and booleans (FALSE < TRUE). NULL
 * (or a missing column) sorts last for ASC *and* for DESC. (Calcite's default would put NULLs first for
 * DESC; the planner has no NULLS FIRST/LAST syntax yet, so one simple rule is used.)
 */
import { RecordProcessingFailure } from "../../core/index.ts";
import type { Counter, MapState, Operator, OperatorContext, Output, RecordBatch, TimerService } from "../../core/index.ts";
import type { PlanNode } from "../../plan/index.ts";
import { BatchCollector } from "../collector.ts";
import { createKeySelector, type KeySelector } from "../key-selector.ts";
import type { Fns } from "../user-function.ts";
import { LATE_RECORDS_METRIC } from "../window/window-operator.ts";
import type { WindowRankConfig } from "./ir.ts";

type Row = Record<string, unknown>;
/** Total order of two rows under ORDER BY: negative when `a` ranks before `b`, 0 on a tie. */
type RowComparator = (a: Row, b: Row) => number;

/** Compare two column values, NULL (or missing) last in both directions. */
function compareValues(a: unknown, b: unknown, descending: boolean): number {
  const aNull = a === null || a === undefined;
  const bNull = b === null || b === undefined;
  if (aNull || bNull) return aNull === bNull ? 0 : aNull ? 1 : -1;
  // Same-typed SQL values: `<` orders numbers, strings by code unit and booleans false < true.
  const c = (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  return descending ? -c : c;
}

/** Build the comparator of an ORDER BY list. */
export function createRowComparator(orderBy: WindowRankConfig["orderBy"]): RowComparator {
  return (a, b) => {
    for (const { column, descending } of orderBy) {
      const c = compareValues(a[column], b[column], descending);
      if (c !== 0) return c;
    }
    return 0;
  };
}

/** How many leading rows of the sorted `rows` stay candidates under the ranking function. */
function candidateCount(rows: readonly Row[], fn: WindowRankConfig["function"], limit: number, compare: RowComparator): number {
  if (fn === "row_number") return Math.min(rows.length, limit);
  if (fn === "rank") {
    if (rows.length <= limit) return rows.length;
    // Rows tied with the limit-th row share its rank (<= limit); the first strictly worse row has
    // at least `limit` strictly better rows.
    const boundary = rows[limit - 1]!;
    let n = limit;
    while (n < rows.length && compare(rows[n]!, boundary) === 0) n++;
    return n;
  }
  // dense_rank: cut before the (limit + 1)-th distinct value.
  let distinct = 0;
  for (let i = 0; i < rows.length; i++) {
    if (i === 0 || compare(rows[i - 1]!, rows[i]!) !== 0) distinct++;
    if (distinct > limit) return i;
  }
  return rows.length;
}

/** Index at which `row` goes into the sorted `rows`: after every row that ranks before it or ties it. */
function upperBound(rows: readonly Row[], row: Row, compare: RowComparator): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(rows[mid]!, row) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class WindowRankOperator implements Operator<Row, Row> {
  private readonly compare: RowComparator;
  private readonly results = new BatchCollector<Row>();
  private candidates!: MapState<number, Row[]>;
  private timers!: TimerService;
  private setKey!: (key: unknown) => void;
  private lateRecords!: Counter;

  constructor(
    private readonly config: WindowRankConfig,
    private readonly keyOf: KeySelector<Row>,
  ) {
    if (!Number.isSafeInteger(config.limit) || config.limit < 1) throw new TypeError(`window rank limit must be a positive integer, got ${config.limit}`);
    this.compare = createRowComparator(config.orderBy);
  }

  open(ctx: OperatorContext): void {
    const store = ctx.keyedState();
    this.candidates = store.getMapState<number, Row[]>({ kind: "map", name: "window-rank-candidates" });
    this.setKey = (key) => store.setCurrentKey(key);
    this.timers = ctx.timerService();
    this.lateRecords = ctx.metrics.counter(LATE_RECORDS_METRIC);
  }

  processBatch(batch: RecordBatch<Row>, _out: Output<Row>): void {
    const { values } = batch;
    const { keyOf, setKey, candidates, timers, compare, config } = this;
    const watermark = timers.currentWatermark();
    const column = config.windowEnd;
    let late = 0;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const row = values[i]!;
        const end = row[column];
        if (typeof end !== "number" || !Number.isFinite(end)) {
          throw new TypeError(`window rank: column '${column}' (window end) must be a timestamp, got ${String(end)}`);
        }
        if (end - 1 <= watermark) {
          late++;
          continue;
        }
        setKey(keyOf(row));
        const rows = candidates.get(end);
        if (rows === undefined) {
          candidates.put(end, [row]);
          timers.registerEventTimeTimer(end - 1);
          continue;
        }
        const at = upperBound(rows, row, compare);
        // A row that would not stay a candidate changes nothing (it cannot push another row out).
        if (at >= config.limit && config.function === "row_number") continue;
        rows.splice(at, 0, row);
        const keep = candidateCount(rows, config.function, config.limit, compare);
        // `rows` may be the backend's live array: truncate before deciding. When the new row is not
        // kept, it was the only row past `keep`, so the truncation restores the stored contents.
        rows.length = keep;
        if (at < keep) candidates.put(end, rows);
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    if (late > 0) this.lateRecords.inc(late);
  }

  /** Emit the window ending at `timestamp + 1` for the current key, in rank order, and drop it. */
  onEventTimeTimer(_key: unknown, timestamp: number, _out: Output<Row>): void {
    const end = timestamp + 1;
    const rows = this.candidates.get(end);
    if (rows === undefined) return;
    this.candidates.remove(end);
    const { rankColumn, function: fn } = this.config;
    const results = this.results;
    results.timestamp = timestamp;
    let rank = 0;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (rankColumn === null) {
        results.collect(row);
        continue;
      }
      const tied = i > 0 && this.compare(rows[i - 1]!, row) === 0;
      if (fn === "row_number") rank = i + 1;
      else if (fn === "rank") rank = tied ? rank : i + 1;
      else rank = tied ? rank : rank + 1;
      results.collect({ ...row, [rankColumn]: rank });
    }
  }

  processWatermark(timestamp: number, out: Output<Row>): void {
    this.results.flush(out);
    out.emitWatermark(timestamp);
  }

  endInput(out: Output<Row>): void {
    this.results.flush(out);
  }
}

/** Factory of the `sql:window-rank` kind (config: WindowRankConfig, keyed by the partition columns). */
export function createWindowRankOperator(node: PlanNode, fns: Fns): Operator<unknown, unknown> {
  const config = node.config as unknown as WindowRankConfig;
  return new WindowRankOperator(config, createKeySelector(node, fns) as KeySelector<Row>) as Operator<unknown, unknown>;
}
