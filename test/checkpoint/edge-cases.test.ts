/**
 * Edge cases of checkpointing and recovery found in review: restored processing-time timers, failed
 * stop-with-savepoint, savepoints after a task finished or into a used directory, processing-time
 * timers under backpressure, and close() failures.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StreamEnvironment, TumblingEventTimeWindows, forMonotonousTimestamps } from "../../src/index.ts";
import { executeLocally, type RunningJob } from "../../src/runtime/index.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-edge-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EVENTS = 30_000;
const event = (i: number) => ({ key: `k${i % 17}`, v: 1, ts: i });

function windowJob(env: StreamEnvironment, rate: number) {
  return env
    .fromGenerator(EVENTS, event, { timestamps: (e) => e.ts, watermarks: forMonotonousTimestamps(), ratePerSecond: rate, batchSize: 50 })
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(1000))
    .count()
    .collect();
}
const WINDOWS = 17 * (EVENTS / 1000);

describe("checkpoint edge cases", () => {
  test("restoring processing-time timers from a checkpoint works (they are scheduled once the task exists)", async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    let failed = false;
    const out = env
      .fromGenerator(EVENTS, event, { ratePerSecond: 100_000, batchSize: 50 })
      .keyBy((e) => e.key)
      .process<string>({
        processElement(e, ctx) {
          ctx.timerService.registerProcessingTimeTimer(Date.now() + 3_600_000); // never due in this test
          if (e.ts === 20_000 && !failed) {
            failed = true;
            throw new Error("injected");
          }
        },
      })
      .collect();
    const result = await executeLocally(env.getJobDefinition("ptimers"), {
      checkpointInterval: 20,
      checkpointDir: join(root, "chk"),
      restartStrategy: { type: "fixed-delay", attempts: 2, delayMs: 5 },
    });
    expect(result.restarts).toBe(1);
    expect(out.values).toEqual([]);
  }, 20_000);

  test("a stop-with-savepoint that fails leaves the job running to its normal end", async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const out = windowJob(env, 60_000);
    let handle: RunningJob | undefined;
    const done = executeLocally(env.getJobDefinition("stop-fails"), { onStart: (h) => (handle = h), checkpointDir: join(root, "chk") });
    await Bun.sleep(150);
    const blocker = join(root, "file-not-dir");
    writeFileSync(blocker, "x");
    await expect(handle!.stopWithSavepoint(join(blocker, "sp"))).rejects.toThrow(/file-not-dir/);
    const result = await done;
    expect(result.stoppedWithSavepoint).toBeUndefined();
    expect(out.values).toHaveLength(WINDOWS);
  }, 20_000);

  test("savepoints are refused once a task has finished, and checkpoints do not hang the end", async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    env.fromElements([1, 2, 3]).discard(); // a bounded side pipeline that ends at once
    windowJob(env, 40_000);
    let handle: RunningJob | undefined;
    const started = performance.now();
    const done = executeLocally(env.getJobDefinition("partly-finished"), {
      onStart: (h) => (handle = h),
      checkpointInterval: 10,
      checkpointTimeout: 60_000,
      checkpointDir: join(root, "chk"),
    });
    await Bun.sleep(200);
    await expect(handle!.savepoint(join(root, "sp-refused"))).rejects.toThrow(/not running with all its tasks/);
    await done;
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 20_000);

  test("a savepoint into a directory that holds one is refused and the old savepoint stays intact", async () => {
    const dir = join(root, "sp-used");
    mkdirSync(dir);
    writeFileSync(join(dir, "_metadata"), "{}");
    writeFileSync(join(dir, "a.state"), "x");
    const env = StreamEnvironment.create();
    windowJob(env, 40_000);
    let handle: RunningJob | undefined;
    const done = executeLocally(env.getJobDefinition("sp-used"), { onStart: (h) => (handle = h), checkpointDir: join(root, "chk") });
    await Bun.sleep(100);
    await expect(handle!.savepoint(dir)).rejects.toThrow(/already holds a savepoint/);
    await done;
    expect(readdirSync(dir).sort()).toEqual(["_metadata", "a.state"]);
  }, 20_000);

  test("processing-time timers respect channel credits (one batch per round of timers)", async () => {
    const env = StreamEnvironment.create({ parallelism: 1, channelCapacity: 2 });
    let fired = 0;
    const KEYS = 5000;
    env
      .fromSource(() => {
        let next = 0;
        return {
          pollNext(out: { collect(v: { key: number }[]): void }) {
            if (next < KEYS) {
              out.collect(Array.from({ length: 100 }, (_, i) => ({ key: next + i })));
              next += 100;
              return "more";
            }
            return fired >= KEYS ? "end" : "idle"; // stay open until every timer fired
          },
        };
      })
      .keyBy((e) => e.key)
      .process<number>({
        processElement(_e, ctx) {
          ctx.timerService.registerProcessingTimeTimer(Date.now() + 5);
        },
        onTimer(ts, _ctx, out) {
          out.collect(ts);
        },
      })
      .rebalance()
      .sinkTo((values) => {
        const until = performance.now() + 0.5; // slow: the timers' output must wait for credit
        while (performance.now() < until);
        fired += values.length;
      });
    const result = await executeLocally(env.getJobDefinition("ptimer-credits"), { channelCapacity: 2 });
    expect(fired).toBe(KEYS);
    expect(result.maxChannelBacklog).toBeLessThanOrEqual(2);
  }, 20_000);

  test("a failing close() does not hide the failure that stopped the task", async () => {
    const env = StreamEnvironment.create();
    env
      .fromElements([1, 2, 3])
      .process<number>({
        processElement(v) {
          if (v === 2) throw new Error("the real failure");
        },
        close() {
          throw new Error("close failed too");
        },
      })
      .discard();
    await expect(env.execute()).rejects.toThrow(/the real failure/);
  });
});

describe("release and cancellation", () => {
  test("a job can be cancelled while its source awaits a poll that never settles", async () => {
    const env = StreamEnvironment.create();
    env.fromSource(() => ({ pollNext: () => new Promise<"more">(() => {}) })).discard();
    const job = await env.executeAsync("hung-source");
    await Bun.sleep(50);
    const started = performance.now();
    job.cancel();
    await expect(job.result).rejects.toThrow(/cancelled/);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  test("disk state backends release their files when the job ends", async () => {
    const stateDir = join(root, "state-release");
    const env = StreamEnvironment.create({ parallelism: 2 });
    windowJob(env, 0);
    await executeLocally(env.getJobDefinition("release"), { stateBackend: "sqlite", stateDir });
    await Bun.sleep(200); // disk stores close asynchronously
    const leftovers: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else leftovers.push(entry.name);
      }
    };
    walk(stateDir);
    expect(leftovers).toEqual([]);
  });
});
