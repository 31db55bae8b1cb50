/**
 * @module operators/sql/window-join-operator
 * The `sql:window-join` operator: Flink's window join, an INNER JOIN of two windowed inputs on equal
 * keys and equal window bounds, emitted once per window when the watermark passes it.
 *
 * Protocol (keyed by the equi-join key columns `$k0, $k1, ...` of each side; `$side` 0 = left, 1 = right):
 * - State: one ListState per side and key, entries `[windowEnd, row]` in arrival order. A row's window
 *   end is `row[leftWindowEnd]` (left) or `row[rightWindowEnd]` (right). The planner puts the window
 *   bounds into the key, so a key normally holds one window, but entries carry their window end so a
 *   key spanning several windows is still joined window by window.
 * - Each buffered row registers an event-time timer at `windowEnd - 1` (timers are deduplicated per key
 *   and timestamp). A row whose `windowEnd - 1 <= watermark` is late: it is dropped and counted in
 *   LATE_RECORDS_METRIC, as the window operator does.
 * - When the watermark reaches `windowEnd - 1` the timer takes the key's rows of that window from both
 *   sides and emits every left x right pair (left rows outer, right rows inner, each in arrival order)
 *   whose output row passes `condition`, with timestamp `windowEnd - 1`; the taken rows leave the state.
 *   A window with rows on one side only emits nothing. Results of one watermark are emitted before the
 *   watermark is forwarded.
 * - Output row: the `left` column pairs `[input, output]` then the `right` ones; `$side` and `$key` are
 *   not copied unless a pair names them. A missing input column reads as NULL.
 */
import { RecordProcessingFailure } from "../../core/index.ts";
import type { Counter, ListState, Operator, OperatorContext, Output, RecordBatch, TimerService } from "../../core/index.ts";
import type { PlanNode } from "../../plan/index.ts";
import { BatchCollector } from "../collector.ts";
import { createKeySelector, type KeySelector } from "../key-selector.ts";
import type { Fns } from "../user-function.ts";
import { LATE_RECORDS_METRIC } from "../window/window-operator.ts";
import { compilePredicate } from "./expression-compiler.ts";
import { SIDE_COLUMN, type WindowJoinConfig } from "./ir.ts";

type Row = Record<string, unknown>;
/** One buffered row and the end of its window. */
type Entry = readonly [windowEnd: number, row: Row];


/** Rows of `entries` in window `end`; the others, when any, are written back to `state`, else it is cleared. */
function takeWindow(state: ListState<Entry>, end: number): Row[] {
  const entries = state.get();
  const taken: Row[] = [];
  const rest: Entry[] = [];
  for (const entry of entries) {
    if (entry[0] === end) taken.push(entry[1]);
    else rest.push(entry);
  }
  if (rest.length === 0) state.clear();
  else if (taken.length > 0) state.update(rest);
  return taken;
}

export class WindowJoinOperator implements Operator<Row, Row> {
  private readonly condition: ((row: Row) => boolean) | null;
  private readonly results = new BatchCollector<Row>();
  private left!: ListState<Entry>;
  private right!: ListState<Entry>;
  private timers!: TimerService;
  private setKey!: (key: unknown) => void;
  private lateRecords!: Counter;

  constructor(
    private readonly config: WindowJoinConfig,
    private readonly keyOf: KeySelector<Row>,
  ) {
    this.condition = config.condition === null ? null : compilePredicate(config.condition);
  }

  open(ctx: OperatorContext): void {
    const store = ctx.keyedState();
    this.left = store.getListState<Entry>({ kind: "list", name: "window-join-left" });
    this.right = store.getListState<Entry>({ kind: "list", name: "window-join-right" });
    this.setKey = (key) => store.setCurrentKey(key);
    this.timers = ctx.timerService();
    this.lateRecords = ctx.metrics.counter(LATE_RECORDS_METRIC);
  }

  processBatch(batch: RecordBatch<Row>, _out: Output<Row>): void {
    const { values } = batch;
    const { keyOf, setKey, left, right, timers, config } = this;
    const watermark = timers.currentWatermark();
    let late = 0;
    let i = 0;
    try {
      for (; i < values.length; i++) {
        const row = values[i]!;
        const side = row[SIDE_COLUMN];
        if (side !== 0 && side !== 1) throw new TypeError(`window join: column '${SIDE_COLUMN}' must be 0 or 1, got ${String(side)}`);
        const column = side === 0 ? config.leftWindowEnd : config.rightWindowEnd;
        const end = row[column];
        if (typeof end !== "number" || !Number.isFinite(end)) {
          throw new TypeError(`window join: column '${column}' (window end) must be a timestamp, got ${String(end)}`);
        }
        if (end - 1 <= watermark) {
          late++;
          continue;
        }
        setKey(keyOf(row));
        (side === 0 ? left : right).add([end, row]);
        timers.registerEventTimeTimer(end - 1);
      }
    } catch (error) {
      throw new RecordProcessingFailure(error, i);
    }
    if (late > 0) this.lateRecords.inc(late);
  }

  /** Join the current key's rows of the window ending at `timestamp + 1` and drop them. */
  onEventTimeTimer(_key: unknown, timestamp: number, _out: Output<Row>): void {
    const end = timestamp + 1;
    const lefts = takeWindow(this.left, end);
    const rights = takeWindow(this.right, end);
    if (lefts.length === 0 || rights.length === 0) return;
    const { left: leftColumns, right: rightColumns } = this.config;
    const { condition, results } = this;
    results.timestamp = timestamp;
    for (const l of lefts) {
      for (const r of rights) {
        const row: Row = {};
        for (const [input, output] of leftColumns) row[output] = l[input] ?? null;
        for (const [input, output] of rightColumns) row[output] = r[input] ?? null;
        if (condition === null || condition(row)) results.collect(row);
      }
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

/** Factory of the `sql:window-join` kind (config: WindowJoinConfig, keyed by `$k0, $k1, ...`). */
export function createWindowJoinOperator(node: PlanNode, fns: Fns): Operator<unknown, unknown> {
  const config = node.config as unknown as WindowJoinConfig;
  return new WindowJoinOperator(config, createKeySelector(node, fns) as KeySelector<Row>) as Operator<unknown, unknown>;
}
