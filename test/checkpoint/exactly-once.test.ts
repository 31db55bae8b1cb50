/**
 * Exactly-once state under failures: a keyed counting job over a replayable source is killed at random
 * points (while processing, and in the middle of checkpoints) and must end with exactly the counts of
 * an independent computation, for every state backend.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { StreamEnvironment, TumblingEventTimeWindows, forMonotonousTimestamps, valueState, type ValueState } from "../../src/index.ts";
import { executeLocally, type JobExecutionResult } from "../../src/runtime/index.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-eo-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EVENTS = 60_000;
const KEYS = 37;
const WINDOW = 1000;
interface Ev {
  key: number;
  ts: number;
}
const event = (i: number): Ev => ({ key: (i * 7) % KEYS, ts: i });

/** The expected per-(key, window) counts and per-key totals, computed without Bicycle. */
function expected() {
  const windows = new Map<string, number>();
  const totals = new Map<number, number>();
  for (let i = 0; i < EVENTS; i++) {
    const e = event(i);
    const k = `${e.key}@${Math.floor(e.ts / WINDOW) * WINDOW}`;
    windows.set(k, (windows.get(k) ?? 0) + 1);
    totals.set(e.key, (totals.get(e.key) ?? 0) + 1);
  }
  return { windows, totals };
}
const EXPECTED = expected();

/** Build the job; `shouldFail(n)` is asked for every record the map sees (across restarts). */
function buildJob(env: StreamEnvironment, shouldFail: (seen: number) => boolean) {
  let seen = 0;
  const events = env
    .fromGenerator(EVENTS, event, { timestamps: (e) => e.ts, watermarks: forMonotonousTimestamps(), ratePerSecond: 150_000, batchSize: 100 })
    .map((e) => {
      if (shouldFail(++seen)) throw new Error(`injected failure at record ${seen}`);
      return e;
    });
  const windows = events.keyBy((e) => e.key).window(TumblingEventTimeWindows.of(WINDOW)).count().collect();
  const totals = events
    .keyBy((e) => e.key)
    .process<[number, number]>({
      open(ctx) {
        (this as unknown as { n: ValueState<number> }).n = ctx.getState(valueState<number>("n", 0));
      },
      processElement(e, ctx) {
        const n = (this as unknown as { n: ValueState<number> }).n;
        n.update(n.value()! + 1);
        ctx.timerService.registerEventTimeTimer(Number.MAX_SAFE_INTEGER); // fires on the final watermark
      },
      onTimer(_ts, ctx, out) {
        out.collect([ctx.key as number, (this as unknown as { n: ValueState<number> }).n.value()!]);
      },
    })
    .collect();
  return { windows, totals };
}

function check(windows: { key: number; window: { start: number }; value: number }[], totals: [number, number][]) {
  // Every emitted window count is the true one (a restart may emit a window twice, never wrongly).
  const seen = new Map<string, number>();
  for (const r of windows) {
    const k = `${r.key}@${r.window.start}`;
    expect(r.value).toBe(EXPECTED.windows.get(k)!);
    seen.set(k, r.value);
  }
  expect(seen.size).toBe(EXPECTED.windows.size);
  expect(new Map(totals)).toEqual(EXPECTED.totals);
  expect(totals.length).toBe(KEYS);
}

for (const backend of ["memory", "sqlite", "rocksdb"] as const) {
  describe(`exactly-once state (${backend})`, () => {
    test("failures while processing and during checkpoints leave state exactly as without failures", async () => {
      const failAt = new Set([9_000, 23_000, 41_000]);
      const env = StreamEnvironment.create({ parallelism: 2 });
      const { windows, totals } = buildJob(env, (n) => failAt.delete(n));
      let checkpointFaults = 1;
      const result: JobExecutionResult = await executeLocally(env.getJobDefinition(`eo-${backend}`), {
        checkpointInterval: 25,
        stateBackend: backend,
        stateDir: join(root, "state"),
        checkpointDir: join(root, "chk"),
        restartStrategy: { type: "fixed-delay", attempts: 10, delayMs: 10 },
        // One task dies in the middle of its 3rd checkpoint.
        beforeSnapshotWrite: (_task, id) => {
          if (id === 3 && checkpointFaults-- > 0) throw new Error("injected failure during checkpoint 3");
        },
      });
      expect(result.restarts).toBe(4);
      expect(result.checkpoints.counts.completed).toBeGreaterThan(2);
      check(windows.values, totals.values);
    }, 60_000);
  });
}

describe("exactly-once state, randomized", () => {
  test("random failure points (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: EVENTS * 2 - 1 }), { minLength: 1, maxLength: 4 }), async (points) => {
        const failAt = new Set(points.filter((p) => p < EVENTS * 2)); // the map sees 2x EVENTS (restarts replay)
        const env = StreamEnvironment.create({ parallelism: 2 });
        const { windows, totals } = buildJob(env, (n) => failAt.delete(n));
        await executeLocally(env.getJobDefinition("eo-random"), {
          checkpointInterval: 20,
          checkpointDir: join(root, "chk-random"),
          restartStrategy: { type: "fixed-delay", attempts: 10, delayMs: 5 },
        });
        check(windows.values, totals.values);
      }),
      { numRuns: 4 },
    );
  }, 120_000);
});

describe("without checkpoints", () => {
  test("the restart strategy 'none' fails the job with the cause", async () => {
    const env = StreamEnvironment.create();
    buildJob(env, (n) => n === 100);
    await expect(executeLocally(env.getJobDefinition("no-restart"), { restartStrategy: { type: "none" } })).rejects.toThrow(/injected failure at record 100/);
  });

  test("attempts run out: the job fails with the last cause", async () => {
    const env = StreamEnvironment.create();
    buildJob(env, (n) => n % 500 === 0);
    await expect(
      executeLocally(env.getJobDefinition("always-failing"), { checkpointInterval: 1000, checkpointDir: join(root, "chk-x"), restartStrategy: { type: "fixed-delay", attempts: 2, delayMs: 1 } }),
    ).rejects.toThrow(/injected failure at record 1500/);
  });
});
