/**
 * Tests of the DataStream API on the embedded runtime: transformations, keyed reduce, union and
 * partitioning, side outputs, keyed state and timers, options validation, explain, and typing.
 */
import { describe, expect, test } from "bun:test";
import {
  boundedOutOfOrderness,
  ConfigError,
  OutputTag,
  StreamEnvironment,
  TumblingEventTimeWindows,
  valueState,
  type KeyedProcessFunction,
  type ValueState,
} from "../src/index.ts";

const sorted = <T>(xs: T[]) => [...xs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe("DataStream transformations", () => {
  for (const parallelism of [1, 3]) {
    test(`map, filter and flatMap give the plain computation's result at parallelism ${parallelism}`, async () => {
      const env = StreamEnvironment.create({ parallelism, batchSize: 7 });
      const input = Array.from({ length: 1000 }, (_, i) => i);
      const out = env
        .fromElements(input)
        .map((n) => n * 3)
        .filter((n) => n % 2 === 0)
        .flatMap((n) => (n % 4 === 0 ? [n, -n] : [n]))
        .collect();
      await env.execute();
      const expected = input.map((n) => n * 3).filter((n) => n % 2 === 0).flatMap((n) => (n % 4 === 0 ? [n, -n] : [n]));
      expect(out.values.sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    });
  }

  test("keyed rolling reduce emits every intermediate per-key total", async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const words = "a b a c b a".split(" ").map((word) => ({ word, n: 1 }));
    const out = env
      .fromElements(words, { parallelism: 1 })
      .keyBy((w) => w.word)
      .reduce((x, y) => ({ word: x.word, n: x.n + y.n }))
      .collect();
    await env.execute();
    expect(sorted(out.values)).toEqual(
      sorted([
        { word: "a", n: 1 },
        { word: "a", n: 2 },
        { word: "a", n: 3 },
        { word: "b", n: 1 },
        { word: "b", n: 2 },
        { word: "c", n: 1 },
      ]),
    );
  });

  test("composite keys (arrays) group equal values together", async () => {
    const env = StreamEnvironment.create({ parallelism: 3 });
    const rows = [
      { a: "x", b: 1, v: 1 },
      { a: "x", b: 1, v: 2 },
      { a: "x", b: 2, v: 4 },
    ];
    const out = env
      .fromElements(rows)
      .keyBy((r) => [r.a, r.b])
      .reduce((p, q) => ({ ...p, v: p.v + q.v }))
      .collect();
    await env.execute();
    expect(Math.max(...out.values.filter((r) => r.b === 1).map((r) => r.v))).toBe(3);
  });

  test("union merges streams; broadcast reaches every subtask; rebalance spreads batches", async () => {
    const env = StreamEnvironment.create({ parallelism: 1, batchSize: 10 });
    const a = env.fromElements([1, 2, 3]);
    const b = env.fromElements([10, 20]);
    const unioned = a.union(b).collect();
    const broadcast = env
      .fromElements(["x", "y"])
      .broadcast()
      .process<string>(
        {
          processElement(v, _ctx, out) {
            out.collect(`${v}`);
          },
        },
        { parallelism: 3 },
      )
      .collect();
    const subtasks = new Set<number>();
    env
      .fromElements(Array.from({ length: 100 }, (_, i) => i))
      .rebalance()
      .sinkTo({ open: (ctx) => void subtasks.add(ctx.subtaskIndex), writeBatch: () => {} }, { parallelism: 4 });
    await env.execute();
    expect(unioned.values.sort((x, y) => x - y)).toEqual([1, 2, 3, 10, 20]);
    expect(broadcast.values.sort()).toEqual(["x", "x", "x", "y", "y", "y"]);
    expect(subtasks.size).toBe(4);
  });

  test("process functions can split a stream with side outputs", async () => {
    const env = StreamEnvironment.create();
    const negatives = new OutputTag<number>("negatives");
    const main = env.fromElements([1, -2, 3, -4]).process<number>({
      processElement(v, ctx, out) {
        if (v < 0) ctx.output(negatives, v);
        else out.collect(v);
      },
    });
    const pos = main.collect();
    const neg = main.getSideOutput(negatives).collect();
    await env.execute();
    expect(pos.values).toEqual([1, 3]);
    expect(neg.values).toEqual([-2, -4]);
  });
});

describe("keyed state and timers", () => {
  interface Reading {
    sensor: string;
    temp: number;
    ts: number;
  }

  test("ValueState per key and event-time timers: alert when a sensor is silent for 10 s", async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const readings: Reading[] = [
      { sensor: "s1", temp: 20, ts: 0 },
      { sensor: "s2", temp: 30, ts: 1000 },
      { sensor: "s1", temp: 21, ts: 5000 },
      { sensor: "s2", temp: 31, ts: 20_000 },
      { sensor: "s2", temp: 32, ts: 40_000 },
    ];
    class SilenceDetector implements KeyedProcessFunction<string, Reading, string> {
      private last!: ValueState<number>;
      private count!: ValueState<number>;
      open(ctx: Parameters<NonNullable<KeyedProcessFunction<string, Reading, string>["open"]>>[0]): void {
        this.last = ctx.getState(valueState<number>("last-seen"));
        this.count = ctx.getState(valueState<number>("count", 0));
      }
      processElement(r: Reading, ctx: Parameters<KeyedProcessFunction<string, Reading, string>["processElement"]>[1]): void {
        this.last.update(r.ts);
        this.count.update(this.count.value()! + 1);
        ctx.timerService.registerEventTimeTimer(r.ts + 10_000);
      }
      onTimer(ts: number, ctx: Parameters<NonNullable<KeyedProcessFunction<string, Reading, string>["onTimer"]>>[1], out: { collect(v: string): void }): void {
        if (this.last.value()! + 10_000 === ts) out.collect(`${ctx.key} silent at ${ts} after ${this.count.value()} readings`);
      }
    }
    const out = env
      .fromElements(readings, { timestamps: (r) => r.ts, watermarks: boundedOutOfOrderness(0), batchSize: 1, parallelism: 1 })
      .keyBy((r) => r.sensor)
      .process(new SilenceDetector())
      .collect();
    await env.execute();
    // A record travels ahead of the watermark its own batch produced: when the 20 s reading's watermark
    // (19999) fires s2's 11 s timer, s2 was already seen at 20 s, so only real silences alert.
    expect(out.values.sort()).toEqual(["s1 silent at 15000 after 2 readings", "s2 silent at 50000 after 3 readings"]);
  });

  test("processing-time timers fire from the task mailbox", async () => {
    const env = StreamEnvironment.create();
    let released = false;
    const out = env
      .fromSource(() => {
        let sent = false;
        return {
          pollNext(o: { collect(v: string[]): void }) {
            if (!sent) {
              sent = true;
              o.collect(["k"]);
            }
            return released ? "end" : "idle";
          },
        };
      })
      .keyBy((k) => k)
      .process<string>({
        processElement(v, ctx) {
          ctx.timerService.registerProcessingTimeTimer(ctx.timerService.currentProcessingTime() + 20);
        },
        onTimer(ts, ctx, o) {
          o.collect(`${ctx.key}:${ctx.timeDomain}`);
          released = true;
        },
      })
      .collect();
    await env.execute();
    expect(out.values).toEqual(["k:processing-time"]);
  });

  test("an idle source subtask does not hold back windows once idleness is configured", async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    let windowsSeen = 0;
    const events = Array.from({ length: 50 }, (_, i) => ({ k: "a", ts: i * 100 }));
    env
      .fromSource(
        () => {
          let subtask = -1;
          let sent = false;
          return {
            open(ctx: { location: { subtaskIndex: number } }) {
              subtask = ctx.location.subtaskIndex;
            },
            pollNext(o: { collect(v: { k: string; ts: number }[]): void }) {
              if (subtask === 0 && !sent) {
                sent = true;
                o.collect(events);
              }
              // Both subtasks stay open until the first windows have fired: only idleness lets them.
              return windowsSeen > 0 ? "end" : "idle";
            },
          };
        },
        { timestamps: (e) => e.ts, watermarks: boundedOutOfOrderness(0).withIdleness(30) },
      )
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(1000))
      .count()
      .sinkTo((values) => {
        windowsSeen += values.length;
      }, { parallelism: 1 });
    await env.execute();
    expect(windowsSeen).toBe(5);
  });
});

describe("environment options and plans", () => {
  test("bad options name the key and what it takes", () => {
    expect(() => StreamEnvironment.create({ parallelism: 0 })).toThrow(ConfigError);
    expect(() => StreamEnvironment.create({ parallelism: 0 })).toThrow(/'parallelism': Too small: expected number to be >=1/);
    // @ts-expect-error: unknown option
    expect(() => StreamEnvironment.create({ paralelism: 2 })).toThrow(/paralelism/);
    expect(() => StreamEnvironment.create({ parallelism: 300, maxParallelism: 128 })).toThrow(/must not exceed 'maxParallelism'/);
  });

  test("explain shows the chained vertices", () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    env
      .fromElements([{ k: "a", v: 1, ts: 0 }], { timestamps: (e) => e.ts })
      .filter((e) => e.v > 0)
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(5000))
      .sum("v")
      .print();
    const text = env.explain("demo");
    expect(text).toContain("Job 'demo'");
    expect(text).toMatch(/Elements \(source:elements[^\n]*\n\s+Filter \(filter\)/);
    expect(text).toContain("--hash--> ");
    expect(text).toContain("Window(tumbling 5000ms, sum v) (window");
  });

  test("field names are checked at compile time", () => {
    const env = StreamEnvironment.create();
    const windowed = env.fromElements([{ key: "a", value: 1, label: "x", ts: 0 }], { timestamps: (e) => e.ts }).keyBy((e) => e.key).window(TumblingEventTimeWindows.of(10));
    // @ts-expect-error: "valu" is not a field
    expect(() => windowed.sum("valu")).not.toThrow();
    // @ts-expect-error: "label" is not numeric
    expect(() => windowed.sum("label")).not.toThrow();
    const ok = windowed.sum("value").map((r) => r.value + 1); // r.value is a number
    expect(ok).toBeDefined();
  });

  test("watermarks without timestamps are rejected", () => {
    const env = StreamEnvironment.create();
    expect(() => env.fromElements([1], { watermarks: boundedOutOfOrderness(10) })).toThrow(/also needs 'timestamps'/);
  });
});

describe("plan building order", () => {
  test("setParallelism after getSideOutput or union is honoured (resolved at build time)", async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const tag = new OutputTag<number>("odd");
    const main = env.fromElements([1, 2, 3, 4]).process<number>({
      processElement(v, ctx, out) {
        if (v % 2) ctx.output(tag, v);
        else out.collect(v);
      },
    });
    const odd = main.getSideOutput(tag).collect();
    const unioned = main.union(env.fromElements([10])).collect();
    main.setParallelism(3);
    const plan = env.getJobDefinition("order").plan;
    const byName = (n: string) => plan.nodes.find((x) => x.name === n)!;
    expect(byName("SideOutput(odd)").parallelism).toBe(3);
    expect(byName("Union").parallelism).toBe(3);
    await env.execute("order");
    expect(odd.values.sort()).toEqual([1, 3]);
    expect(unioned.values.sort((a, b) => a - b)).toEqual([2, 4, 10]);
  });
});
