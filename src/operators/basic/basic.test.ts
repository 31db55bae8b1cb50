/** Unit tests of the stateless operators and the keyed/process operators, driven by the operator harness. */
import { describe, expect, test } from "bun:test";
import { OutputTag, RecordProcessingFailure, type ValueState } from "../../core/index.ts";
import type { Collector } from "../collector.ts";
import type { KeyedProcessContext, KeyedProcessFunction, KeyedRuntimeContext, OnTimerContext } from "../process/functions.ts";
import { OperatorHarness } from "../../runtime/testing/operator-harness.ts";
import { KeyedProcessOperator } from "../process/keyed-process-operator.ts";
import { KeyedReduceOperator } from "../process/keyed-reduce-operator.ts";
import { ProcessOperator } from "../process/process-operator.ts";
import { valueState } from "../process/functions.ts";
import { FilterOperator } from "./filter.ts";
import { FlatMapOperator } from "./flat-map.ts";
import { IdentityOperator } from "./identity.ts";
import { MapOperator } from "./map.ts";

describe("stateless operators", () => {
  test("map keeps timestamps and order", () => {
    const h = new OperatorHarness(new MapOperator((n: number) => n * 2), { keyed: false });
    h.processBatch([1, 2, 3], [10, 20, 30]);
    expect(h.emitted).toEqual([
      { kind: "record", value: 2, timestamp: 10 },
      { kind: "record", value: 4, timestamp: 20 },
      { kind: "record", value: 6, timestamp: 30 },
    ]);
  });

  test("filter keeps matching records with their timestamps and emits nothing for an empty result", () => {
    const h = new OperatorHarness(new FilterOperator((n: number) => n % 2 === 1), { keyed: false });
    h.processBatch([1, 2, 3, 4], [1, 2, 3, 4]).processBatch([2, 4], [5, 6]);
    expect(h.emitted).toEqual([
      { kind: "record", value: 1, timestamp: 1 },
      { kind: "record", value: 3, timestamp: 3 },
    ]);
  });

  test("flatMap accepts arrays and other iterables; outputs inherit the input's timestamp", () => {
    const h = new OperatorHarness(
      new FlatMapOperator((s: string) => (s.startsWith("*") ? new Set([s, s]) : s.split(""))),
      { keyed: false },
    );
    h.processBatch(["ab", "*x", ""], [1, 2, 3]);
    expect(h.emitted).toEqual([
      { kind: "record", value: "a", timestamp: 1 },
      { kind: "record", value: "b", timestamp: 1 },
      { kind: "record", value: "*x", timestamp: 2 },
    ]);
  });

  test("a failing function reports the index of the record in its batch", () => {
    const h = new OperatorHarness(
      new MapOperator((n: number) => {
        if (n === 3) throw new Error("three");
        return n;
      }),
      { keyed: false },
    );
    try {
      h.processBatch([1, 2, 3, 4]);
      throw new Error("expected a failure");
    } catch (error) {
      expect(error).toBeInstanceOf(RecordProcessingFailure);
      expect((error as RecordProcessingFailure).indexInBatch).toBe(2);
      expect(((error as RecordProcessingFailure).cause as Error).message).toBe("three");
    }
  });

  test("identity passes batches and watermarks through", () => {
    const h = new OperatorHarness(new IdentityOperator<number>(), { keyed: false });
    h.processBatch([7], [1]).processWatermark(5);
    expect(h.emitted).toEqual([{ kind: "record", value: 7, timestamp: 1 }, { kind: "watermark", timestamp: 5 }]);
  });
});

describe("keyed and process operators", () => {
  test("keyed reduce folds per key and emits each new value", () => {
    const h = new OperatorHarness(new KeyedReduceOperator((r: { k: string; n: number }) => r.k, (a, b) => ({ k: a.k, n: a.n + b.n })));
    h.processBatch([{ k: "a", n: 1 }, { k: "b", n: 5 }, { k: "a", n: 2 }]);
    expect(h.records()).toEqual([{ k: "a", n: 1 }, { k: "b", n: 5 }, { k: "a", n: 3 }]);
  });

  test("process function: side outputs and the record's timestamp in the context", () => {
    const odd = new OutputTag<number>("odd");
    const h = new OperatorHarness(
      new ProcessOperator<number, string>({
        processElement(v, ctx, out) {
          if (v % 2) ctx.output(odd, v);
          else out.collect(`${v}@${ctx.timestamp}`);
        },
      }),
      { keyed: false },
    );
    h.processBatch([1, 2], [100, 200]);
    expect(h.records()).toEqual(["2@200"]);
    expect(h.sideOutput("odd")).toEqual([1]);
  });

  test("keyed process: state per key, event-time timer output emitted before the watermark", () => {
    class CountThenReport implements KeyedProcessFunction<string, { k: string; ts: number }, string> {
      private seen!: ValueState<number>;
      open(ctx: KeyedRuntimeContext): void {
        this.seen = ctx.getState(valueState<number>("seen", 0));
      }
      processElement(e: { k: string; ts: number }, ctx: KeyedProcessContext<string>): void {
        this.seen.update(this.seen.value()! + 1);
        ctx.timerService.registerEventTimeTimer(e.ts + 10);
      }
      onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
        out.collect(`${ctx.key}:${this.seen.value()}@${ts}`);
      }
    }
    const h = new OperatorHarness(new KeyedProcessOperator((e: { k: string; ts: number }) => e.k, new CountThenReport()));
    h.processRecords([
      [{ k: "a", ts: 1 }, 1],
      [{ k: "b", ts: 2 }, 2],
      [{ k: "a", ts: 3 }, 3],
    ]);
    h.processWatermark(12);
    expect(h.emitted).toEqual([
      { kind: "record", value: "a:2@11", timestamp: 11 },
      { kind: "record", value: "b:1@12", timestamp: 12 },
      { kind: "watermark", timestamp: 12 },
    ]);
  });
});
