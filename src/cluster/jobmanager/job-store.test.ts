/** JobStore: round trips, reopen after close (a JobManager restart), ordering, channel ids, errors. */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BicycleError } from "../../core/index.ts";
import { JOB_STORE_FILE, JOB_STORE_SCHEMA_VERSION, JobStore, StoreError, type NewJobRecord } from "./job-store.ts";

let root = "";
let n = 0;
/** A fresh store directory per test. */
const freshDir = () => join(root, `store-${++n}`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bicycle-job-store-test-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const job = (jobId: string, submittedAt: number, extra: Partial<NewJobRecord> = {}): NewJobRecord => ({
  jobId,
  name: `job ${jobId}`,
  parallelism: 2,
  planJson: JSON.stringify({ name: jobId, nodes: [] }),
  optionsJson: '{"chaining":true}',
  bundleHash: null,
  submittedAt,
  ...extra,
});

function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StoreError);
    expect(e).toBeInstanceOf(BicycleError);
    return e as StoreError;
  }
  throw new Error("expected a StoreError");
}

describe("JobStore", () => {
  test("creates the directory and a WAL-mode database at the current schema version", () => {
    const dir = join(freshDir(), "nested", "jm");
    const store = JobStore.open(dir);
    expect(store.file).toBe(join(dir, JOB_STORE_FILE));
    store.close();
    store.close(); // idempotent
    const db = new Database(join(dir, JOB_STORE_FILE), { readonly: true });
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()?.journal_mode).toBe("wal");
    expect(db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version).toBe(JOB_STORE_SCHEMA_VERSION);
    db.close();
  });

  test("bundles: sha256 hex, idempotent, binary-exact", () => {
    const store = JobStore.open(freshDir());
    const bytes = new Uint8Array([0, 1, 2, 255, 0, 7]);
    const hash = store.putBundle(bytes);
    expect(hash).toBe(new Bun.CryptoHasher("sha256").update(bytes).digest("hex"));
    expect(store.putBundle(bytes.slice())).toBe(hash);
    expect(store.getBundle(hash)).toEqual(bytes);
    expect(store.getBundle("0".repeat(64))).toBeNull();
    expect(store.getBundle(store.putBundle(new Uint8Array(0)))).toEqual(new Uint8Array(0));
    store.close();
  });

  test("jobs: create with defaults, full round trip of every field through updateJob", () => {
    const store = JobStore.open(freshDir());
    const bundleHash = store.putBundle(new TextEncoder().encode("export default () => {}"));
    store.createJob(job("j1", 1000, { bundleHash }));
    expect(store.getJob("j1")).toEqual({
      ...job("j1", 1000, { bundleHash }),
      status: "created",
      startedAt: null,
      endedAt: null,
      restarts: 0,
      failure: null,
      latestCheckpoint: null,
      savepointPath: null,
    });
    store.updateJob("j1", { status: "running", startedAt: 1100 });
    store.updateJob("j1", { restarts: 2, failure: "worker w1 lost", latestCheckpoint: { id: 7, path: "/ck/j1/chk-7" } });
    store.updateJob("j1", { status: "finished", endedAt: 2000, savepointPath: "/sp/1" });
    expect(store.getJob("j1")).toMatchObject({
      status: "finished",
      startedAt: 1100,
      endedAt: 2000,
      restarts: 2,
      failure: "worker w1 lost",
      latestCheckpoint: { id: 7, path: "/ck/j1/chk-7" },
      savepointPath: "/sp/1",
      bundleHash,
    });
    // null clears; absent keeps.
    store.updateJob("j1", { failure: null, latestCheckpoint: null });
    expect(store.getJob("j1")).toMatchObject({ failure: null, latestCheckpoint: null, restarts: 2, status: "finished" });
    store.createJob(job("j2", 1001, { status: "running" }));
    expect(store.getJob("j2")?.status).toBe("running");
    expect(store.getJob("nope")).toBeNull();
    store.close();
  });

  test("errors carry codes and name the job", () => {
    const store = JobStore.open(freshDir());
    store.createJob(job("j1", 1));
    const notFound = storeError(() => store.updateJob("ghost", { status: "running" }));
    expect(notFound.code).toBe("JOB_NOT_FOUND");
    expect(notFound.message).toContain("ghost");
    expect(storeError(() => store.createJob(job("j1", 2))).code).toBe("JOB_EXISTS");
    expect(storeError(() => store.createJob(job("j3", 2, { bundleHash: "ab".repeat(32) }))).code).toBe("BUNDLE_NOT_FOUND");
    expect(storeError(() => store.recordCheckpoint({ jobId: "ghost", checkpointId: 1, path: "/x", sizeBytes: 1, durationMs: 1, completedAt: 1, kind: "checkpoint" })).code).toBe(
      "JOB_NOT_FOUND",
    );
    expect(store.listJobs().map((j) => j.jobId)).toEqual(["j1"]); // failed creates left nothing behind
    store.close();
  });

  test("listJobs: newest submission first, ties by creation order (later first)", () => {
    const store = JobStore.open(freshDir());
    store.createJob(job("old", 100));
    store.createJob(job("newest", 300));
    store.createJob(job("mid-1", 200));
    store.createJob(job("mid-2", 200));
    expect(store.listJobs().map((j) => j.jobId)).toEqual(["newest", "mid-2", "mid-1", "old"]);
    store.close();
  });

  test("checkpoints: newest first, limit, latestCheckpoint follows checkpoints only and never goes back", () => {
    const store = JobStore.open(freshDir());
    store.createJob(job("j1", 1));
    store.createJob(job("j2", 2));
    const ck = (checkpointId: number, completedAt: number, kind: "checkpoint" | "savepoint" = "checkpoint") => ({
      jobId: "j1",
      checkpointId,
      path: `/ck/j1/${kind}-${checkpointId}`,
      sizeBytes: 100 * checkpointId,
      durationMs: 5,
      completedAt,
      kind,
    });
    store.recordCheckpoint(ck(1, 10));
    store.recordCheckpoint(ck(2, 20));
    store.recordCheckpoint(ck(3, 30, "savepoint"));
    expect(store.getJob("j1")?.latestCheckpoint).toEqual({ id: 2, path: "/ck/j1/checkpoint-2" });
    store.recordCheckpoint(ck(1, 40)); // a late re-record of an old id replaces its row, not the latest
    expect(store.getJob("j1")?.latestCheckpoint).toEqual({ id: 2, path: "/ck/j1/checkpoint-2" });
    expect(store.checkpoints("j1")).toEqual([ck(1, 40), ck(3, 30, "savepoint"), ck(2, 20)]);
    expect(store.checkpoints("j1", 2).map((c) => c.checkpointId)).toEqual([1, 3]);
    expect(store.checkpoints("j2")).toEqual([]);
    expect(store.getJob("j2")?.latestCheckpoint).toBeNull();
    store.close();
  });

  test("channel ids: consecutive blocks, never reused, 0 never handed out, wrap to 1 past 0xffffffff", () => {
    const dir = freshDir();
    const store = JobStore.open(dir);
    expect(store.allocateChannelIds(10)).toBe(1);
    expect(store.allocateChannelIds(5)).toBe(11);
    expect(store.allocateChannelIds(0)).toBe(16);
    expect(store.allocateChannelIds(1)).toBe(16);
    expect(() => store.allocateChannelIds(-1)).toThrow(RangeError);
    expect(() => store.allocateChannelIds(1.5)).toThrow(RangeError);
    store.close();
    // Move the counter near the end of the u32 range, as years of attempts would.
    const db = new Database(join(dir, JOB_STORE_FILE));
    db.run("UPDATE counters SET value = ? WHERE name = 'next_channel_id'", [0xffffffff - 9]);
    db.close();
    const again = JobStore.open(dir);
    expect(again.allocateChannelIds(10)).toBe(0xffffffff - 9); // ends exactly at 0xffffffff
    expect(again.allocateChannelIds(0)).toBe(1);
    expect(again.allocateChannelIds(3)).toBe(1);
    expect(again.allocateChannelIds(0xffffffff - 4)).toBe(4); // the whole remaining range fits
    expect(again.allocateChannelIds(2)).toBe(1);
    again.close();
  });

  test("reopen after close (a JobManager restart) keeps jobs, checkpoints, bundles and the channel counter", () => {
    const dir = freshDir();
    const first = JobStore.open(dir);
    const hash = first.putBundle(new Uint8Array([1, 2, 3]));
    first.createJob(job("a", 1, { bundleHash: hash }));
    first.createJob(job("b", 2));
    first.updateJob("a", { status: "running", startedAt: 5, restarts: 1 });
    first.recordCheckpoint({ jobId: "a", checkpointId: 4, path: "/ck/a/4", sizeBytes: 42, durationMs: 3, completedAt: 9, kind: "checkpoint" });
    expect(first.allocateChannelIds(100)).toBe(1);
    const jobsBefore = first.listJobs();
    first.close();

    const second = JobStore.open(dir);
    expect(second.listJobs()).toEqual(jobsBefore);
    expect(second.getJob("a")).toMatchObject({ status: "running", startedAt: 5, restarts: 1, latestCheckpoint: { id: 4, path: "/ck/a/4" }, bundleHash: hash });
    expect(second.checkpoints("a")).toEqual([{ jobId: "a", checkpointId: 4, path: "/ck/a/4", sizeBytes: 42, durationMs: 3, completedAt: 9, kind: "checkpoint" }]);
    expect(second.getBundle(hash)).toEqual(new Uint8Array([1, 2, 3]));
    expect(second.allocateChannelIds(1)).toBe(101);
    second.close();
  });

  test("a corrupt database file gives a clear error naming the file", () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const file = join(dir, JOB_STORE_FILE);
    writeFileSync(file, "this is not a SQLite database ".repeat(200));
    const e = storeError(() => JobStore.open(dir));
    expect(e.code).toBe("STORE_UNREADABLE");
    expect(e.message).toContain(file);
    expect(e.message).toContain("not a database");
    expect(e.cause).toBeDefined();
  });

  test("an unreadable path (a directory where the file should be) names the file too", () => {
    const dir = freshDir();
    mkdirSync(join(dir, JOB_STORE_FILE), { recursive: true });
    const e = storeError(() => JobStore.open(dir));
    expect(e.code).toBe("STORE_UNREADABLE");
    expect(e.message).toContain(join(dir, JOB_STORE_FILE));
  });

  test("a store written by a newer schema version is refused, not misread", () => {
    const dir = freshDir();
    JobStore.open(dir).close();
    const db = new Database(join(dir, JOB_STORE_FILE));
    db.run(`PRAGMA user_version = ${JOB_STORE_SCHEMA_VERSION + 1}`);
    db.close();
    const e = storeError(() => JobStore.open(dir));
    expect(e.code).toBe("STORE_TOO_NEW");
    expect(e.message).toContain(join(dir, JOB_STORE_FILE));
    expect(existsSync(join(dir, JOB_STORE_FILE))).toBe(true);
  });
});
