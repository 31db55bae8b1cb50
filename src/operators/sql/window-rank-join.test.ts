/**
 * Unit tests of the keyed SQL window operators `sql:window-rank` (window Top-N) and `sql:window-join`,
 * driven through the OperatorHarness: ranking functions with ties and limits, emission on the watermark
 * only, late rows, snapshot/restore of pending windows, and join pairs, conditions and windows.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyGroupRangeFor, MetricGroup, RecordProcessingFailure } from "../../core/index.ts";
import type { KeyedStateStore, Operator, OperatorContext, Output, RecordBatch } from "../../core/index.ts";
import type { PlanNode } from "../../plan/index.ts";
import type { TimerEntry } from "../../runtime/checkpointing/task-snapshot.ts";
import { OperatorHarness } from "../../runtime/testing/operator-harness.ts";
import { KeyedTimerService } from "../../runtime/time/timer-service.ts";
import { MemoryKeyedStateBackend, SqliteStateBackend, type KeyedStateBackend, type KeyedStateSnapshot } from "../../state/index.ts";
import { LATE_RECORDS_METRIC } from "../window/window-operator.ts";
import type { Expr, WindowJoinConfig, WindowRankConfig } from "./ir.ts";
import { createWindowJoinOperator } from "./window-join-operator.ts";
import { createWindowRankOperator } from "./window-rank-operator.ts";

type Row = Record<string, unknown>;
const MAX_PARALLELISM = 128;

/** What a snapshot of a keyed operator holds in a task: its keyed state and its timers. */
interface KeyedSnapshot {
  readonly state: KeyedStateSnapshot;
  readonly timers: TimerEntry[];
}

/**
 * Wraps an operator to reach the harness's keyed state and timers: restores a KeyedSnapshot before the
 * operator opens (as a task does) and takes one on demand.
 */
class Checkpointable implements Operator<Row, Row> {
  private ctx!: OperatorContext;

  constructor(
    private readonly inner: Operator<unknown, unknown>,
    private readonly restoreFrom: KeyedSnapshot | null = null,
  ) {}

  open(ctx: OperatorContext): void {
    this.ctx = ctx;
    if (this.restoreFrom !== null) {
      this.backend().restore([this.restoreFrom.state]);
      this.timerService().restore(this.restoreFrom.timers, keyGroupRangeFor(0, 1, MAX_PARALLELISM), MAX_PARALLELISM);
    }
    void this.inner.open?.(ctx);
  }

  private backend(): MemoryKeyedStateBackend {
    return this.ctx.keyedState() as MemoryKeyedStateBackend;
  }

  private timerService(): KeyedTimerService {
    return this.ctx.timerService() as KeyedTimerService;
  }

  store(): KeyedStateStore {
    return this.ctx.keyedState();
  }

  snapshot(checkpointId: number): KeyedSnapshot {
    return { state: this.backend().snapshot(checkpointId), timers: this.timerService().snapshot() };
  }

  processBatch(batch: RecordBatch<Row>, out: Output<Row>): void {
    void this.inner.processBatch(batch, out as Output<unknown>);
  }

  onEventTimeTimer(key: unknown, timestamp: number, out: Output<Row>): void {
    this.inner.onEventTimeTimer?.(key, timestamp, out as Output<unknown>);
  }

  processWatermark(timestamp: number, out: Output<Row>): void {
    if (this.inner.processWatermark === undefined) out.emitWatermark(timestamp);
    else this.inner.processWatermark(timestamp, out as Output<unknown>);
  }

  endInput(out: Output<Row>): void {
    void this.inner.endInput?.(out as Output<unknown>);
  }
}

interface Run {
  readonly h: OperatorHarness<Row, Row>;
  readonly op: Checkpointable;
}

function harness(inner: Operator<unknown, unknown>, restoreFrom: KeyedSnapshot | null = null): Run {
  const op = new Checkpointable(inner, restoreFrom);
  return { h: new OperatorHarness<Row, Row>(op, { maxParallelism: MAX_PARALLELISM }), op };
}

function lateCount(h: OperatorHarness<Row, Row>): number {
  return h.metrics.counter(LATE_RECORDS_METRIC).count;
}

/** Push rows one batch, event time = window end - 1 (it plays no role in these operators). */
function push(h: OperatorHarness<Row, Row>, rows: Row[]): void {
  h.processBatch(rows, rows.map(() => 0));
}

// ---------------------------------------------------------------------------------------------------
// window rank

/** Rows: partition `k`, window end `we`, ordered by `s`; `id` identifies a row. */
function rankNode(config: Partial<WindowRankConfig>): PlanNode {
  const full: WindowRankConfig = {
    windowEnd: "we",
    orderBy: [{ column: "s", descending: true }],
    function: "row_number",
    limit: 3,
    rankColumn: "rn",
    ...config,
  };
  return {
    id: "rank-1",
    kind: "sql:window-rank",
    name: "WindowRank",
    parallelism: 1,
    key: { type: "fields", fields: ["k", "we"] },
    config: full as unknown as PlanNode["config"],
  };
}

function rankRun(config: Partial<WindowRankConfig>, restoreFrom: KeyedSnapshot | null = null): Run {
  return harness(createWindowRankOperator(rankNode(config), {}), restoreFrom);
}

function r(k: string, we: number, id: number, s: number | null): Row {
  return { k, we, id, s };
}

/** The five rows of partition `a`, window 10: sorted DESC by s they are 5 (9), 2 (7), 3 (7), 1 (5), 4 (3). */
const FIVE: Row[] = [r("a", 10, 1, 5), r("a", 10, 2, 7), r("a", 10, 3, 7), r("a", 10, 4, 3), r("a", 10, 5, 9)];

/** `id:rank` of each emitted row, in order. */
function ranks(h: OperatorHarness<Row, Row>, column = "rn"): string[] {
  return h.records().map((row) => `${String(row.id)}:${String(row[column])}`);
}

describe("sql:window-rank", () => {
  test("ROW_NUMBER keeps `limit` rows, ties in arrival order", () => {
    const { h } = rankRun({ function: "row_number", limit: 3 });
    push(h, FIVE);
    h.processWatermark(9);
    expect(ranks(h)).toEqual(["5:1", "2:2", "3:3"]);
  });

  test("RANK keeps rows tied with the limit-th one and skips ranks after ties", () => {
    const two = rankRun({ function: "rank", limit: 2 });
    push(two.h, FIVE);
    two.h.processWatermark(9);
    expect(ranks(two.h)).toEqual(["5:1", "2:2", "3:2"]);

    // Row 1 has three strictly better rows: rank 4 > 3.
    const three = rankRun({ function: "rank", limit: 3 });
    push(three.h, FIVE);
    three.h.processWatermark(9);
    expect(ranks(three.h)).toEqual(["5:1", "2:2", "3:2"]);

    const four = rankRun({ function: "rank", limit: 4 });
    push(four.h, FIVE);
    four.h.processWatermark(9);
    expect(ranks(four.h)).toEqual(["5:1", "2:2", "3:2", "1:4"]);
  });

  test("DENSE_RANK keeps the top `limit` distinct values", () => {
    const two = rankRun({ function: "dense_rank", limit: 2 });
    push(two.h, FIVE);
    two.h.processWatermark(9);
    expect(ranks(two.h)).toEqual(["5:1", "2:2", "3:2"]);

    const three = rankRun({ function: "dense_rank", limit: 3 });
    push(three.h, FIVE);
    three.h.processWatermark(9);
    expect(ranks(three.h)).toEqual(["5:1", "2:2", "3:2", "1:3"]);
  });

  test("ties arriving one batch at a time keep arrival order, and a better row pushes ties out", () => {
    const { h } = rankRun({ function: "rank", limit: 2 });
    h.processRecords([
      [r("a", 10, 1, 4), 0],
      [r("a", 10, 2, 4), 0],
      [r("a", 10, 3, 4), 0],
    ]);
    h.processRecords([
      [r("a", 10, 4, 6), 0],
      [r("a", 10, 5, 6), 0],
    ]);
    h.processWatermark(9);
    // 4 and 5 (6) rank 1; the 4s have two strictly better rows, rank 3 > 2.
    expect(ranks(h)).toEqual(["4:1", "5:1"]);
  });

  test("state holds only the candidates", () => {
    const cases: [WindowRankConfig["function"], number][] = [
      ["row_number", 2],
      ["rank", 3],
      ["dense_rank", 3],
    ];
    for (const [fn, held] of cases) {
      const { h, op } = rankRun({ function: fn, limit: 2 });
      push(h, FIVE);
      const store = op.store();
      store.setCurrentKey(["a", 10]);
      const rows = store.getMapState<number, Row[]>({ kind: "map", name: "window-rank-candidates" }).get(10);
      expect(rows?.length).toBe(held);
    }
  });

  test("emits only when the watermark reaches window end - 1, with timestamp window end - 1, before the watermark", () => {
    const { h } = rankRun({ limit: 1 });
    push(h, [r("a", 10, 1, 1), r("a", 20, 2, 1), r("b", 10, 3, 2)]);
    expect(h.records()).toEqual([]);
    h.processWatermark(8);
    expect(h.records()).toEqual([]);
    h.processWatermark(9);
    expect(h.emitted).toEqual([
      { kind: "watermark", timestamp: 8 },
      { kind: "record", value: { k: "a", we: 10, id: 1, s: 1, rn: 1 }, timestamp: 9 },
      { kind: "record", value: { k: "b", we: 10, id: 3, s: 2, rn: 1 }, timestamp: 9 },
      { kind: "watermark", timestamp: 9 },
    ]);
    h.processWatermark(100);
    expect(ranks(h)).toEqual(["1:1", "3:1", "2:1"]);
    expect(h.emitted.at(-2)).toEqual({ kind: "record", value: { k: "a", we: 20, id: 2, s: 1, rn: 1 }, timestamp: 19 });
    // Fired windows are cleared: nothing more is emitted.
    h.processWatermark(1000);
    expect(h.records().length).toBe(3);
  });

  test("a key whose windows are not part of the key still ranks each window apart", () => {
    const node = { ...rankNode({ limit: 1 }), key: { type: "fields" as const, fields: ["k"] } };
    const { h } = harness(createWindowRankOperator(node, {}));
    push(h, [r("a", 10, 1, 1), r("a", 20, 2, 5), r("a", 10, 3, 2)]);
    h.processWatermark(100);
    expect(ranks(h)).toEqual(["3:1", "2:1"]);
  });

  test("late rows are dropped and counted", () => {
    const { h } = rankRun({ limit: 5 });
    push(h, [r("a", 10, 1, 1)]);
    h.processWatermark(9);
    push(h, [r("a", 10, 2, 5), r("a", 20, 3, 1), r("a", 19, 4, 1), r("b", 10, 5, 1)]);
    expect(lateCount(h)).toBe(2);
    h.processWatermark(100);
    expect(ranks(h)).toEqual(["1:1", "4:1", "3:1"]);
  });

  test("no rank column leaves the rows as they are", () => {
    const { h } = rankRun({ limit: 2, rankColumn: null });
    push(h, FIVE);
    h.processWatermark(9);
    expect(h.records()).toEqual([r("a", 10, 5, 9), r("a", 10, 2, 7)]);
  });

  test("ORDER BY several columns, ASC and DESC, NULL last in both directions", () => {
    const asc = rankRun({ limit: 10, orderBy: [{ column: "s", descending: false }] });
    push(asc.h, [r("a", 10, 1, null), r("a", 10, 2, 3), r("a", 10, 3, 1), r("a", 10, 4, null)]);
    asc.h.processWatermark(9);
    expect(ranks(asc.h)).toEqual(["3:1", "2:2", "1:3", "4:4"]);

    const desc = rankRun({ function: "rank", limit: 10, orderBy: [{ column: "s", descending: true }] });
    push(desc.h, [r("a", 10, 1, null), r("a", 10, 2, 3), r("a", 10, 3, 1), r("a", 10, 4, null)]);
    desc.h.processWatermark(9);
    expect(ranks(desc.h)).toEqual(["2:1", "3:2", "1:3", "4:3"]);

    const two = rankRun({
      limit: 10,
      orderBy: [
        { column: "name", descending: false },
        { column: "s", descending: true },
      ],
    });
    push(two.h, [
      { ...r("a", 10, 1, 1), name: "b" },
      { ...r("a", 10, 2, 2), name: "a" },
      { ...r("a", 10, 3, 3), name: "b" },
      { ...r("a", 10, 4, 1), name: "a" },
    ]);
    two.h.processWatermark(9);
    expect(ranks(two.h)).toEqual(["2:1", "4:2", "3:3", "1:4"]);
  });

  test("pending windows survive snapshot and restore into a fresh operator", () => {
    const config: Partial<WindowRankConfig> = { function: "rank", limit: 2 };
    const first = rankRun(config);
    push(first.h, [r("a", 10, 1, 5), r("a", 10, 2, 7), r("b", 10, 3, 1)]);
    const snapshot = first.op.snapshot(1);
    // The first run goes on and must not disturb the snapshot.
    push(first.h, [r("a", 10, 9, 100)]);

    const second = rankRun(config, structuredClone(snapshot));
    push(second.h, [r("a", 10, 4, 7), r("a", 10, 5, 6)]);
    second.h.processWatermark(9);
    expect(ranks(second.h)).toEqual(["2:1", "4:1", "3:1"]);
  });

  test("a row without a numeric window end fails with its index in the batch", () => {
    const { h } = rankRun({});
    let caught: unknown;
    try {
      push(h, [r("a", 10, 1, 1), { k: "a", we: null, id: 2, s: 1 }]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RecordProcessingFailure);
    expect((caught as RecordProcessingFailure).indexInBatch).toBe(1);
    expect((caught as RecordProcessingFailure).message).toContain("'we'");
  });
});

// ---------------------------------------------------------------------------------------------------
// window join

/** Left rows `{id, v, lw}`, right rows `{id, v, rw}`; output `lid lv window_end rid rv`. */
function joinNode(condition: Expr | null): PlanNode {
  const config: WindowJoinConfig = {
    leftWindowEnd: "lw",
    rightWindowEnd: "rw",
    left: [
      ["id", "lid"],
      ["v", "lv"],
      ["lw", "window_end"],
    ],
    right: [
      ["id", "rid"],
      ["v", "rv"],
    ],
    condition,
  };
  return {
    id: "join-1",
    kind: "sql:window-join",
    name: "WindowJoin",
    parallelism: 1,
    key: { type: "fields", fields: ["$key"] },
    config: config as unknown as PlanNode["config"],
  };
}

function joinRun(condition: Expr | null = null, restoreFrom: KeyedSnapshot | null = null): Run {
  return harness(createWindowJoinOperator(joinNode(condition), {}), restoreFrom);
}

/** A left row of join key `k`, window end `w`. The key includes the window bounds, as the planner does. */
function L(k: string, w: number, id: number, v: number): Row {
  return { $side: 0, $key: [k, w - 10, w], id, v, lw: w };
}
function R(k: string, w: number, id: number, v: number): Row {
  return { $side: 1, $key: [k, w - 10, w], id, v, rw: w };
}

/** `lid-rid` of each output row, in order. */
function pairs(h: OperatorHarness<Row, Row>): string[] {
  return h.records().map((row) => `${String(row.lid)}-${String(row.rid)}`);
}

const col = (name: string): Expr => ({ k: "col", name, type: "BIGINT", nullable: false });
/** lv < rv */
const LV_LT_RV: Expr = { k: "call", fn: "lt", args: [col("lv"), col("rv")], type: "BOOLEAN", nullable: false };

describe("sql:window-join", () => {
  test("every left x right pair of a key and window, left outer in arrival order, on the watermark", () => {
    const { h } = joinRun();
    push(h, [L("a", 10, 1, 5), R("a", 10, 11, 1), L("a", 10, 2, 6), R("a", 10, 12, 7), R("a", 10, 13, 9)]);
    h.processWatermark(8);
    expect(h.records()).toEqual([]);
    h.processWatermark(9);
    expect(pairs(h)).toEqual(["1-11", "1-12", "1-13", "2-11", "2-12", "2-13"]);
    expect(h.emitted[1]).toEqual({ kind: "record", value: { lid: 1, lv: 5, window_end: 10, rid: 11, rv: 1 }, timestamp: 9 });
    expect(h.emitted.at(-1)).toEqual({ kind: "watermark", timestamp: 9 });
    h.processWatermark(1000);
    expect(h.records().length).toBe(6);
  });

  test("the condition filters pairs", () => {
    const { h } = joinRun(LV_LT_RV);
    push(h, [L("a", 10, 1, 5), L("a", 10, 2, 8), R("a", 10, 11, 1), R("a", 10, 12, 7), R("a", 10, 13, 9)]);
    h.processWatermark(9);
    expect(pairs(h)).toEqual(["1-12", "1-13", "2-13"]);
  });

  test("keys with rows on one side only emit nothing", () => {
    const { h } = joinRun();
    push(h, [L("a", 10, 1, 1), R("b", 10, 11, 1), L("c", 10, 2, 1), R("c", 10, 12, 1), L("a", 20, 3, 1)]);
    h.processWatermark(100);
    expect(pairs(h)).toEqual(["2-12"]);
  });

  test("different windows of the same key join apart, also when the key lacks the window bounds", () => {
    const rows: Row[] = [L("a", 10, 1, 1), L("a", 20, 2, 1), R("a", 20, 12, 1), R("a", 10, 11, 1), R("a", 20, 13, 1)];
    const withBounds = joinRun();
    push(withBounds.h, rows);
    withBounds.h.processWatermark(9);
    expect(pairs(withBounds.h)).toEqual(["1-11"]);
    withBounds.h.processWatermark(19);
    expect(pairs(withBounds.h)).toEqual(["1-11", "2-12", "2-13"]);

    const bare = joinRun();
    push(
      bare.h,
      rows.map((row) => ({ ...row, $key: ["a"] })),
    );
    bare.h.processWatermark(9);
    expect(pairs(bare.h)).toEqual(["1-11"]);
    bare.h.processWatermark(19);
    expect(pairs(bare.h)).toEqual(["1-11", "2-12", "2-13"]);
    bare.h.processWatermark(1000);
    expect(pairs(bare.h).length).toBe(3);
  });

  test("late rows are dropped and counted", () => {
    const { h } = joinRun();
    push(h, [L("a", 20, 1, 1)]);
    h.processWatermark(9);
    push(h, [R("a", 10, 11, 1), L("a", 10, 2, 1), R("a", 20, 12, 1)]);
    expect(lateCount(h)).toBe(2);
    h.processWatermark(19);
    expect(pairs(h)).toEqual(["1-12"]);
  });

  test("buffered rows survive snapshot and restore into a fresh operator", () => {
    const first = joinRun(LV_LT_RV);
    push(first.h, [L("a", 10, 1, 5), R("a", 10, 11, 9), L("b", 10, 3, 1)]);
    const snapshot = first.op.snapshot(1);
    push(first.h, [R("a", 10, 99, 100)]);

    const second = joinRun(LV_LT_RV, structuredClone(snapshot));
    push(second.h, [L("a", 10, 2, 8), R("a", 10, 12, 6), R("b", 10, 13, 2)]);
    second.h.processWatermark(9);
    expect(pairs(second.h)).toEqual(["1-11", "1-12", "2-11", "3-13"]);
  });

  test("a row without a valid side fails with its index in the batch", () => {
    const { h } = joinRun();
    let caught: unknown;
    try {
      push(h, [L("a", 10, 1, 1), { ...L("a", 10, 2, 1), $side: 2 }]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RecordProcessingFailure);
    expect((caught as RecordProcessingFailure).indexInBatch).toBe(1);
  });
});

// ---------------------------------------------------------------------------------------------------
// a disk backend: state values are serialized copies, not live objects

const stateDir = mkdtempSync(join(tmpdir(), "bicycle-window-rank-join-"));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

/** Drives an operator over a SQLite keyed store with a 1-entry cache, so every read deserializes. */
class DiskRun {
  readonly out: Row[] = [];
  readonly timers: KeyedTimerService;
  private readonly output: Output<unknown>;

  private constructor(
    readonly operator: Operator<unknown, unknown>,
    readonly store: KeyedStateBackend,
    restoreFrom: KeyedSnapshot | null,
  ) {
    this.timers = new KeyedTimerService(store, () => {}, "disk");
    if (restoreFrom !== null) {
      store.restore([restoreFrom.state]);
      this.timers.restore(restoreFrom.timers, keyGroupRangeFor(0, 1, MAX_PARALLELISM), MAX_PARALLELISM);
    }
    this.output = { emit: (b) => this.out.push(...(b.values as Row[])), emitSide: () => {}, emitWatermark: () => {} };
    const ctx: OperatorContext = {
      location: { operatorId: "disk", operatorName: "disk", subtaskIndex: 0, parallelism: 1 },
      maxParallelism: MAX_PARALLELISM,
      metrics: new MetricGroup({ test: 1 }),
      keyedState: () => store,
      timerService: () => this.timers,
    };
    void operator.open?.(ctx);
  }

  static async create(operator: Operator<unknown, unknown>, name: string, restoreFrom: KeyedSnapshot | null = null): Promise<DiskRun> {
    const backend = new SqliteStateBackend({ dir: join(stateDir, name), cacheEntries: 1, writeBatchSize: 1 });
    const store = await backend.createKeyedBackend({ operatorId: name, keyGroupRange: keyGroupRangeFor(0, 1, MAX_PARALLELISM), maxParallelism: MAX_PARALLELISM });
    return new DiskRun(operator, store, restoreFrom);
  }

  push(rows: Row[]): void {
    void this.operator.processBatch({ values: rows, timestamps: rows.map(() => 0) }, this.output);
  }

  watermark(timestamp: number): void {
    this.timers.advanceWatermark(timestamp, (key, ts) => this.operator.onEventTimeTimer?.(key, ts, this.output));
    this.operator.processWatermark?.(timestamp, this.output);
  }

  snapshot(): KeyedSnapshot {
    return { state: this.store.snapshot(1), timers: this.timers.snapshot() };
  }
}

describe("on the SQLite backend with a 1-entry cache", () => {
  test("window rank prunes, snapshots and restores", async () => {
    const first = await DiskRun.create(createWindowRankOperator(rankNode({ function: "rank", limit: 2 }), {}), "rank-1");
    first.push([FIVE[0]!, r("b", 10, 7, 1), FIVE[1]!, FIVE[2]!]);
    const second = await DiskRun.create(createWindowRankOperator(rankNode({ function: "rank", limit: 2 }), {}), "rank-2", first.snapshot());
    second.push([r("b", 10, 8, 2), FIVE[3]!, FIVE[4]!]);
    second.watermark(9);
    expect(second.out.map((row) => `${String(row.id)}:${String(row.rn)}`)).toEqual(["5:1", "2:2", "3:2", "8:1", "7:2"]);
    first.store.dispose();
    second.store.dispose();
  });

  test("window join buffers, snapshots and restores", async () => {
    const first = await DiskRun.create(createWindowJoinOperator(joinNode(LV_LT_RV), {}), "join-1");
    first.push([L("a", 10, 1, 5), L("b", 10, 3, 1), R("a", 10, 11, 9)]);
    const second = await DiskRun.create(createWindowJoinOperator(joinNode(LV_LT_RV), {}), "join-2", first.snapshot());
    second.push([L("a", 10, 2, 8), R("b", 10, 13, 2), R("a", 10, 12, 6)]);
    second.watermark(9);
    expect(second.out.map((row) => `${String(row.lid)}-${String(row.rid)}`)).toEqual(["1-11", "1-12", "2-11", "3-13"]);
    first.store.dispose();
    second.store.dispose();
  });
});
