/**
 * Savepoints and restores: stop-with-savepoint at parallelism 2 and resume at 3 and at 1 with results
 * identical to an uninterrupted run; uid mapping and allowNonRestoredState; unaligned checkpoints;
 * interrupted and corrupt checkpoints on restore; a failing checkpoint store does not stop the job.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FsCheckpointStorage } from "../../src/checkpoint/index.ts";
import { StreamEnvironment, TumblingEventTimeWindows, forMonotonousTimestamps, type WindowResult } from "../../src/index.ts";
import { executeLocally, type RunningJob } from "../../src/runtime/index.ts";
import { loadCheckpoint, loadLatestCheckpoint } from "../../src/runtime/local/restore-loader.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-sp-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EVENTS = 40_000;
const event = (i: number) => ({ key: `k${(i * 13) % 29}`, v: i % 5, ts: i });

/** Per-(key, window) sums computed without Bicycle. */
function expectedSums(): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    const e = event(i);
    const k = `${e.key}@${Math.floor(e.ts / 500) * 500}`;
    m.set(k, (m.get(k) ?? 0) + e.v);
  }
  return m;
}

function build(env: StreamEnvironment, rate: number) {
  return env
    .fromGenerator(EVENTS, event, { timestamps: (e) => e.ts, watermarks: forMonotonousTimestamps(), ratePerSecond: rate, batchSize: 50, uid: "events" })
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(500))
    .sum("v", { uid: "sums" })
    .collect({ uid: "out" });
}

const asMap = (rs: WindowResult<string, number>[]) => {
  const m = new Map<string, number>();
  for (const r of rs) {
    const k = `${r.key}@${r.window.start}`;
    expect(m.has(k)).toBe(false); // a clean stop and resume emits every window exactly once
    m.set(k, r.value);
  }
  return m;
};

async function stopHalfway(dir: string) {
  const env = StreamEnvironment.create({ parallelism: 2 });
  const out = build(env, 40_000);
  let handle: RunningJob | undefined;
  const done = executeLocally(env.getJobDefinition("sp-job"), { onStart: (h) => (handle = h), checkpointDir: join(root, "chk") });
  await Bun.sleep(400);
  const path = await handle!.stopWithSavepoint(dir);
  const result = await done;
  return { path, result, first: out.values };
}

describe("savepoints", () => {
  for (const parallelism of [3, 1]) {
    test(`stop with a savepoint at parallelism 2, resume at ${parallelism}: identical results`, async () => {
      const dir = join(root, `sp-${parallelism}`);
      const { path, result, first } = await stopHalfway(dir);
      expect(path).toBe(dir);
      expect(result.stoppedWithSavepoint).toBe(dir);
      expect(existsSync(join(dir, "_metadata"))).toBe(true);
      expect(first.length).toBeGreaterThan(0);
      expect(first.length).toBeLessThan(expectedSums().size);

      const env = StreamEnvironment.create({ parallelism });
      const out = build(env, 0);
      const resumed = await executeLocally(env.getJobDefinition("sp-job"), { fromSavepoint: dir });
      expect(resumed.restarts).toBe(0);
      const all = asMap([...first, ...out.values]);
      expect(all).toEqual(expectedSums());
    }, 30_000);
  }

  test("a savepoint taken while running does not stop the job; restore maps state by uid", async () => {
    const dir = join(root, "sp-running");
    const env = StreamEnvironment.create({ parallelism: 2 });
    build(env, 80_000);
    let handle: RunningJob | undefined;
    const done = executeLocally(env.getJobDefinition("sp-running"), { onStart: (h) => (handle = h), checkpointDir: join(root, "chk") });
    await Bun.sleep(150);
    await handle!.savepoint(dir);
    const result = await done;
    expect(result.stoppedWithSavepoint).toBeUndefined();
    expect(result.checkpoints.history.some((c) => c.isSavepoint && c.status === "COMPLETED")).toBe(true);

    // A job without the "sums" operator cannot take that state ...
    const other = StreamEnvironment.create();
    other.fromGenerator(10, event, { uid: "events" }).map((e) => e.v, { uid: "something-else" }).discard();
    await expect(executeLocally(other.getJobDefinition("changed"), { fromSavepoint: dir })).rejects.toThrow(/belongs to operators the job does not have: .*sums/);
    // ... unless told to drop it.
    const dropped = await executeLocally(other.getJobDefinition("changed"), { fromSavepoint: dir, allowNonRestoredState: true });
    expect(dropped.restarts).toBe(0);
  }, 30_000);

  test("a missing savepoint is a clear error", async () => {
    const env = StreamEnvironment.create();
    build(env, 0);
    await expect(executeLocally(env.getJobDefinition("nope"), { fromSavepoint: join(root, "does-not-exist") })).rejects.toThrow(/does-not-exist/);
  });
});

describe("unaligned checkpoints", () => {
  test("a slow input switches alignment to unaligned; results stay exactly-once across a failure", async () => {
    const env = StreamEnvironment.create({ parallelism: 2, channelCapacity: 2 });
    let fail = true;
    let seen = 0;
    const out = env
      .fromGenerator(EVENTS, event, { timestamps: (e) => e.ts, watermarks: forMonotonousTimestamps(), ratePerSecond: 60_000, batchSize: 50 })
      .keyBy((e) => e.key)
      .process<{ key: string; v: number; ts: number }>({
        processElement(e, _ctx, o) {
          // Slower than the source's rate: input queues stay full, so the barrier of one channel
          // waits behind ~100 records of the other (over 2 ms), longer than the 1 ms alignment timeout.
          const until = performance.now() + 0.025;
          while (performance.now() < until);
          if (++seen === 25_000 && fail) {
            fail = false;
            throw new Error("injected failure after unaligned checkpoints");
          }
          o.collect(e);
        },
      })
      .keyBy((e) => e.key)
      .window(TumblingEventTimeWindows.of(500))
      .sum("v")
      .collect();
    const result = await executeLocally(env.getJobDefinition("unaligned"), {
      checkpointInterval: 30,
      alignmentTimeout: 1,
      checkpointDir: join(root, "chk-unaligned"),
      restartStrategy: { type: "fixed-delay", attempts: 3, delayMs: 5 },
    });
    expect(result.restarts).toBe(1);
    expect(result.unalignedCheckpoints).toBeGreaterThan(0);
    const expected = expectedSums();
    const seenWindows = new Map<string, number>();
    for (const r of out.values) {
      const k = `${r.key}@${r.window.start}`;
      expect(r.value).toBe(expected.get(k)!);
      seenWindows.set(k, r.value);
    }
    expect(seenWindows).toEqual(expected);
  }, 30_000);
});

describe("restoring from damaged checkpoints", () => {
  async function runWithCheckpoints(name: string) {
    const env = StreamEnvironment.create({ parallelism: 2 });
    build(env, 50_000);
    const dir = join(root, `chk-${name}`);
    const result = await executeLocally(env.getJobDefinition(name), { checkpointInterval: 40, retainedCheckpoints: 3, checkpointDir: dir });
    return new FsCheckpointStorage(result.checkpointDir);
  }

  test("a checkpoint interrupted mid-write (no _metadata) is ignored", async () => {
    const storage = await runWithCheckpoints("interrupted");
    const completed = await storage.listCompleted();
    expect(completed.length).toBeGreaterThan(1);
    const newest = completed[0]!.checkpointId;
    const partial = join(storage.location, `chk-${newest + 1}`);
    mkdirSync(partial);
    writeFileSync(join(partial, "window-2_0-deadbeef.state"), "half a file");
    writeFileSync(join(partial, "_metadata.tmp-123"), "{ half");
    const loaded = await loadLatestCheckpoint(storage);
    expect(loaded?.metadata.checkpointId).toBe(newest);
  }, 30_000);

  test("a corrupt state file gives an error naming the file, and restore falls back to the previous checkpoint", async () => {
    const storage = await runWithCheckpoints("corrupt");
    const [newest, previous] = await storage.listCompleted();
    const victim = newest!.tasks.find((t) => t.sizeBytes > 0)!;
    const path = join(storage.location, `chk-${newest!.checkpointId}`, victim.file);
    writeFileSync(path, "garbage");
    await expect(loadCheckpoint(storage, newest!)).rejects.toThrow(victim.file);
    const loaded = await loadLatestCheckpoint(storage);
    expect(loaded?.metadata.checkpointId).toBe(previous!.checkpointId);
  }, 30_000);

  test("an unwritable checkpoint directory fails checkpoints, not the job", async () => {
    const blocker = join(root, "not-a-dir");
    writeFileSync(blocker, "a file where the checkpoint directory should be");
    const env = StreamEnvironment.create({ parallelism: 2 });
    const out = build(env, 80_000);
    const result = await executeLocally(env.getJobDefinition("unwritable"), { checkpointInterval: 30, checkpointDir: blocker });
    expect(result.checkpoints.counts.completed).toBe(0);
    expect(result.checkpoints.counts.failed).toBeGreaterThan(0);
    // (The last failure may be a checkpoint cut short by the job ending; some failed on the directory.)
    expect(result.checkpoints.history.some((c) => c.status === "FAILED" && /not-a-dir/.test(c.failureMessage ?? ""))).toBe(true);
    expect(asMap(out.values)).toEqual(expectedSums());
    expect(readdirSync(root)).toContain("not-a-dir");
  }, 30_000);
});

describe("executeAsync", () => {
  test("a JobClient takes a savepoint, stops the job, and the same pipeline resumes from it", async () => {
    const dir = join(root, "sp-client");
    const env = StreamEnvironment.create({ parallelism: 2, checkpointDir: join(root, "chk") });
    const first = build(env, 40_000);
    const job = await env.executeAsync("client-job");
    expect(job.jobId).toMatch(/^[0-9a-f]{32}$/);
    await Bun.sleep(300);
    expect(await job.stopWithSavepoint(dir)).toBe(dir);
    await job.result;
    const env2 = StreamEnvironment.create({ parallelism: 1, fromSavepoint: dir });
    const second = build(env2, 0);
    await env2.execute("client-job");
    expect(asMap([...first.values, ...second.values])).toEqual(expectedSums());
  }, 30_000);
});
