/**
 * Tests of the runtime's guarantees: failures name the operator and record and never hang the job;
 * credit-based backpressure bounds what a fast source can get ahead of a slow sink; metrics.
 */
import { describe, expect, test } from "bun:test";
import { JobError, StreamEnvironment, TumblingEventTimeWindows, type JobExecutionResult } from "../src/index.ts";
import { executeLocally } from "../src/runtime/index.ts";

describe("failures", () => {
  test("a throwing user function fails the job with the operator, subtask and record position", async () => {
    const env = StreamEnvironment.create({ batchSize: 4 });
    env
      .fromElements(Array.from({ length: 20 }, (_, i) => i))
      .map((n) => {
        if (n === 9) throw new Error(`cannot handle ${n}`);
        return n;
      }, { name: "Parse" })
      .discard();
    const error = await env.execute("failing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobError);
    expect((error as JobError).message).toBe("operator 'Parse' (map-2, subtask 1/1) failed on record #10 of its input: cannot handle 9");
    expect((error as JobError).recordIndex).toBe(9);
    expect(((error as JobError).cause as Error).message).toBe("cannot handle 9");
  });

  test("a failure downstream of a backpressured source cancels everything instead of hanging", async () => {
    const env = StreamEnvironment.create({ parallelism: 2, batchSize: 8, channelCapacity: 1 });
    let seen = 0;
    env
      .fromGenerator(1_000_000, (i) => ({ k: i % 7, v: i }))
      .keyBy((e) => e.k)
      .process<number>({
        processElement(e, _ctx, out) {
          if (++seen === 500) throw new TypeError("state exploded");
          out.collect(e.v);
        },
      })
      .discard();
    const started = performance.now();
    const error = await env.execute().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/operator 'KeyedProcess' \(keyed-process-\d+, subtask [12]\/2\) failed on record #\d+ of its input: state exploded/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  test("errors in window functions and sinks are reported too", async () => {
    const env = StreamEnvironment.create();
    env
      .fromElements([{ k: "a", ts: 1 }], { timestamps: (e) => e.ts })
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(10))
      .process<string>(() => {
        throw new Error("bad window");
      })
      .print();
    // The window fires on the final watermark, not on a record, so no record position is given.
    await expect(env.execute()).rejects.toThrow("operator 'Window(tumbling 10ms, process)' (window-2, subtask 1/1) failed: bad window");

    const env2 = StreamEnvironment.create();
    env2.fromElements([1, 2]).sinkTo(() => {
      throw new Error("disk full");
    });
    await expect(env2.execute()).rejects.toThrow(/operator 'Sink'.*disk full/);
  });

  test("records without event time in an event-time window fail clearly", async () => {
    const env = StreamEnvironment.create();
    env.fromElements([{ k: 1 }]).keyBy((e) => e.k).window(TumblingEventTimeWindows.of(10)).count().discard();
    await expect(env.execute()).rejects.toThrow(/record has no event-time timestamp; give the source a WatermarkStrategy with timestamps/);
  });
});

describe("backpressure", () => {
  test("a slow sink throttles the source: it never gets more than the channel credits ahead", async () => {
    const batchSize = 50;
    const capacity = 2;
    const env = StreamEnvironment.create({ batchSize, channelCapacity: capacity, parallelism: 1 });
    let generated = 0;
    let consumed = 0;
    let maxAhead = 0;
    env
      .fromGenerator(20_000, (i) => {
        generated++;
        return i;
      })
      .rebalance() // source and sink run as separate tasks joined by a channel
      .sinkTo((values) => {
        const spinUntil = performance.now() + 0.2; // a deliberately slow sink
        while (performance.now() < spinUntil);
        consumed += values.length;
        maxAhead = Math.max(maxAhead, generated - consumed);
      });
    const result = (await env.execute("slow-sink")) as JobExecutionResult;
    expect(consumed).toBe(20_000);
    // At most the queued batches plus the one being produced are ahead of the sink: memory is bounded.
    expect(maxAhead).toBeLessThanOrEqual((capacity + 1) * batchSize);
    expect(result.maxChannelBacklog).toBeLessThanOrEqual(capacity);
    const source = Object.values(result.operators).find((o) => o.name === "Generator")!;
    expect(source.counters.backPressuredTimeMs).toBeGreaterThan(0);
  });

  test("without a slow consumer the backlog stays within capacity for wide fan-out too", async () => {
    const env = StreamEnvironment.create({ parallelism: 4, batchSize: 16, channelCapacity: 3 });
    const out = env
      .fromGenerator(50_000, (i) => ({ k: i % 101, v: 1 }))
      .keyBy((e) => e.k)
      .reduce((a, b) => ({ k: a.k, v: a.v + b.v }))
      .collect();
    const result = (await env.execute()) as JobExecutionResult;
    expect(out.values).toHaveLength(50_000);
    const finals = new Map<number, number>();
    for (const r of out.values) finals.set(r.k, Math.max(finals.get(r.k) ?? 0, r.v));
    for (let k = 0; k < 101; k++) expect(finals.get(k)).toBe(Math.floor(50_000 / 101) + (k < 50_000 % 101 ? 1 : 0));
    expect(result.maxChannelBacklog).toBeLessThanOrEqual(3);
  });
});

describe("metrics", () => {
  test("records in/out are counted per operator and summed over subtasks", async () => {
    const env = StreamEnvironment.create({ parallelism: 3 });
    env.fromElements(Array.from({ length: 300 }, (_, i) => i)).filter((n) => n % 3 === 0, { name: "Thirds" }).discard();
    const result = (await env.execute()) as JobExecutionResult;
    const thirds = Object.values(result.operators).find((o) => o.name === "Thirds")!;
    expect(thirds.parallelism).toBe(3);
    expect(thirds.counters.numRecordsIn).toBe(300);
    expect(thirds.counters.numRecordsOut).toBe(100);
  });

  test("a running job can be cancelled", async () => {
    const env = StreamEnvironment.create();
    env.fromGenerator(1e9, (i) => i).discard();
    const job = executeLocally(env.getJobDefinition("endless"), {
      onStart: (handle) => setTimeout(() => handle.cancel(), 50),
    });
    await expect(job).rejects.toThrow(/job 'endless' cancelled/);
  });
});

describe("timestamps", () => {
  test("a timestamp assigner returning a non-number fails the job naming the source and record", async () => {
    const env = StreamEnvironment.create();
    const events = [{ k: "a", time: 1 }, { k: "a" }] as { k: string; time?: number }[];
    env
      .fromElements(events, { timestamps: (e) => e.time as number, name: "Clicks" })
      .keyBy((e) => e.k)
      .window(TumblingEventTimeWindows.of(10))
      .count()
      .discard();
    await expect(env.execute()).rejects.toThrow(
      "operator 'Clicks' (source-elements-1, subtask 1/1) failed on record #2 of its input: the timestamp assigner returned undefined; expected finite epoch milliseconds",
    );
  });
});
