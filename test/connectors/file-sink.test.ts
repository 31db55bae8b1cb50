/**
 * The exactly-once file sink end to end: a keyed job through the local executor, killed while
 * processing and in the middle of a checkpoint, must leave exactly the records of an independent
 * computation in its committed part files (no duplicates, nothing missing, no in-progress files);
 * plus the no-checkpoint and text paths, config errors, and recovery at another parallelism.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StreamEnvironment, forMonotonousTimestamps } from "../../src/index.ts";
import { PlanError, batchWithTimestamp, type OperatorContext, type Output, type TaskLocation } from "../../src/core/index.ts";
import { FileSink, createSink, type TwoPhaseCommitState } from "../../src/connectors/index.ts";
import { executeLocally } from "../../src/runtime/index.ts";
import type { PlanNode } from "../../src/plan/index.ts";

/** A synchronous sink's hooks return plain values, never a Promise (checked here). */
function sync<T>(value: T | Promise<T>): T {
  if (value instanceof Promise) throw new Error("expected a synchronous result");
  return value;
}


const root = mkdtempSync(join(tmpdir(), "bicycle-file-sink-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (name: string) => join(root, `${name}-${dirs++}`);

/** Committed part files of `dir` (name -> lines), and the in-progress files left behind. */
function readDir(dir: string): { parts: Map<string, string[]>; inProgress: string[] } {
  const parts = new Map<string, string[]>();
  const inProgress: string[] = [];
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (name.endsWith(".inprogress")) inProgress.push(name);
    else if (name.startsWith("part-")) parts.set(name, readFileSync(join(dir, name), "utf8").split("\n").filter((l) => l !== ""));
  }
  return { parts, inProgress };
}
const allLines = (dir: string) => [...readDir(dir).parts.values()].flat();

const EVENTS = 40_000;
const KEYS = 23;
interface Count {
  key: number;
  n: number;
}
const keyOf = (i: number) => (i * 7) % KEYS;

/** Expected output of the running count: for each key k, the records {k, 1} .. {k, total(k)}, computed without Bicycle. */
function expectedCounts(): string[] {
  const totals = new Map<number, number>();
  for (let i = 0; i < EVENTS; i++) totals.set(keyOf(i), (totals.get(keyOf(i)) ?? 0) + 1);
  const out: string[] = [];
  for (const [key, total] of totals) for (let n = 1; n <= total; n++) out.push(JSON.stringify({ key, n }));
  return out.sort();
}

function countingJob(dir: string, shouldFail: (seen: number) => boolean): StreamEnvironment {
  const env = StreamEnvironment.create({ parallelism: 2 });
  let seen = 0;
  env
    .fromGenerator(EVENTS, (i) => ({ key: keyOf(i), n: 1 }), { timestamps: (_e) => 0, watermarks: forMonotonousTimestamps(), ratePerSecond: 100_000, batchSize: 100 })
    .map((e: Count) => {
      if (shouldFail(++seen)) throw new Error(`injected failure at record ${seen}`);
      return e;
    })
    .keyBy((e) => e.key)
    .reduce((a, b) => ({ key: a.key, n: a.n + b.n }))
    .writeToFiles(dir);
  return env;
}

describe("file sink, exactly-once through the local executor", () => {
  test("failures while processing and during a checkpoint: committed files hold every record exactly once", async () => {
    const dir = freshDir("eo");
    const failAt = new Set([7_000, 19_000, 31_000]);
    const env = countingJob(dir, (n) => failAt.delete(n));
    let checkpointFaults = 1;
    const result = await executeLocally(env.getJobDefinition("file-sink-eo"), {
      checkpointInterval: 25,
      checkpointDir: join(root, "chk"),
      restartStrategy: { type: "fixed-delay", attempts: 10, delayMs: 10 },
      beforeSnapshotWrite: (_task, id) => {
        if (id === 3 && checkpointFaults-- > 0) throw new Error("injected failure during checkpoint 3");
      },
    });
    expect(result.restarts).toBe(4);
    expect(result.checkpoints.counts.completed).toBeGreaterThan(2);
    const { parts, inProgress } = readDir(dir);
    expect(inProgress).toEqual([]);
    // Several checkpoints committed files, from both subtasks.
    expect(parts.size).toBeGreaterThan(2);
    expect(new Set([...parts.keys()].map((n) => n.split("-")[1]))).toEqual(new Set(["0", "1"]));
    for (const name of parts.keys()) expect(name).toMatch(/^part-[01]-\d+\.jsonl$/);
    const lines = allLines(dir).sort();
    expect(lines.length).toBe(EVENTS);
    expect(lines).toEqual(expectedCounts());
  }, 60_000);

  test("without checkpointing the files are committed at end of input", async () => {
    const dir = freshDir("no-chk");
    const env = StreamEnvironment.create({ parallelism: 2 });
    const records = Array.from({ length: 500 }, (_, i) => ({ id: i, big: BigInt(i) }));
    env.fromElements(records).writeToFiles(dir, { name: "Files" });
    await env.execute("file-sink-no-checkpoints");
    const { parts, inProgress } = readDir(dir);
    expect(inProgress).toEqual([]);
    expect([...parts.keys()].sort()).toEqual(["part-0-0.jsonl", "part-1-0.jsonl"]);
    const ids = allLines(dir)
      .map((l) => JSON.parse(l) as { id: number; big: string })
      .sort((a, b) => a.id - b.id);
    expect(ids).toEqual(records.map((r) => ({ id: r.id, big: String(r.big) })));
  });

  test("text format writes String(value) per line into .txt files; a second job does not overwrite them", async () => {
    const dir = freshDir("text");
    for (const run of [1, 2]) {
      const env = StreamEnvironment.create({ parallelism: 1 });
      env.fromElements(["alpha", "beta", 42]).map((v) => `${run}:${String(v)}`).writeToFiles(dir, { format: "text" });
      await env.execute(`file-sink-text-${run}`);
    }
    const { parts } = readDir(dir);
    expect([...parts.keys()].sort()).toEqual(["part-0-0.txt", "part-0-1.txt"]);
    expect(parts.get("part-0-0.txt")).toEqual(["1:alpha", "1:beta", "1:42"]);
    expect(parts.get("part-0-1.txt")).toEqual(["2:alpha", "2:beta", "2:42"]);
  });

  test("an empty input produces no file", async () => {
    const dir = freshDir("empty");
    const env = StreamEnvironment.create({ parallelism: 2 });
    env.fromElements([1, 2, 3]).filter(() => false).writeToFiles(dir);
    await env.execute("file-sink-empty");
    expect(readDir(dir)).toEqual({ parts: new Map(), inProgress: [] });
  });
});

describe("file sink config", () => {
  const node = (config: PlanNode["config"]): PlanNode => ({ id: "n7", kind: "sink:file", name: "Out", parallelism: 1, config }) as PlanNode;

  test("a missing or bad path / format is a PlanError naming the node", () => {
    expect(() => createSink(node({}), {})).toThrow(PlanError);
    expect(() => createSink(node({}), {})).toThrow("sink:file 'Out' (n7): option 'path' must be a non-empty directory path, got undefined");
    expect(() => createSink(node({ path: 3 }), {})).toThrow(/option 'path'/);
    expect(() => createSink(node({ path: "/tmp/x", format: "csv" }), {})).toThrow(`sink:file 'Out' (n7): option 'format' must be one of 'jsonl', 'text', got "csv"`);
    expect(createSink(node({ path: "/tmp/x" }), {})).toBeInstanceOf(FileSink);
  });

  test("writeToFiles rejects a bad path when the job is built", () => {
    const env = StreamEnvironment.create();
    expect(() => env.fromElements([1]).writeToFiles("  ")).toThrow(PlanError);
    // @ts-expect-error: not a format
    expect(() => env.fromElements([1]).writeToFiles("/tmp/x", { format: "csv" })).toThrow(/option 'format'/);
  });
});

describe("file sink recovery, driven by hand", () => {
  const loc = (subtaskIndex: number, parallelism: number): TaskLocation => ({ operatorId: "files", operatorName: "Files", subtaskIndex, parallelism });
  const ctx = (l: TaskLocation) => ({ location: l }) as unknown as OperatorContext;
  const out = {} as Output<never>;
  function open(dir: string, l: TaskLocation, states?: readonly unknown[]): FileSink<number> {
    const sink = new FileSink<number>({ path: dir, format: "jsonl" });
    if (states !== undefined) sink.restoreState(states, l);
    sink.open(ctx(l));
    return sink;
  }
  const write = (sink: FileSink<number>, ...values: number[]) => sink.processBatch(batchWithTimestamp(values), out);

  test("only a completed checkpoint makes a file visible; restore commits it, aborts the open one and deletes strays", () => {
    const dir = freshDir("manual");
    const sink = open(dir, loc(0, 1));
    write(sink, 1, 2);
    const state = sync(sink.snapshotState(1));
    expect(readDir(dir)).toEqual({ parts: new Map(), inProgress: [".part-0-0.inprogress"] });
    write(sink, 3);
    sync(sink.snapshotState(2)); // never completes
    write(sink, 4);
    // Crash without close (process killed): three in-progress files, nothing visible.
    expect(readDir(dir).inProgress.sort()).toEqual([".part-0-0.inprogress", ".part-0-1.inprogress", ".part-0-2.inprogress"]);
    writeFileSync(join(dir, ".part-1-9.inprogress"), "another subtask's file\n");

    const restored = open(dir, loc(0, 1), [state]);
    expect(readDir(dir)).toEqual({ parts: new Map([["part-0-0.jsonl", ["1", "2"]]]), inProgress: [".part-1-9.inprogress"] });
    write(restored, 3, 4);
    restored.endInput(out);
    restored.close();
    expect(readDir(dir).parts).toEqual(
      new Map([
        ["part-0-0.jsonl", ["1", "2"]],
        ["part-0-2.jsonl", ["3", "4"]], // seq 1 was the aborted open txn: its name is not reused
      ]),
    );
    // Restoring the same checkpoint again: the commit is a no-op, the new files are not touched.
    open(dir, loc(0, 1), [state]).close();
    expect([...readDir(dir).parts.keys()].sort()).toEqual(["part-0-0.jsonl", "part-0-2.jsonl"]);
  });

  test("restore at another parallelism commits every pending file once and never reuses a name", () => {
    const dir = freshDir("rescale");
    mkdirSync(dir, { recursive: true });
    const states: TwoPhaseCommitState[] = [];
    for (let s = 0; s < 3; s++) {
      const sink = open(dir, loc(s, 3));
      write(sink, s * 10 + 1);
      states.push(sync(sink.snapshotState(1))); // pending (checkpoint 1 completes, but notify never arrives)
      write(sink, s * 10 + 2); // open at the checkpoint: aborted on restore
    }
    for (const p of [2, 4]) {
      const scaled = Array.from({ length: p }, (_, s) => open(dir, loc(s, p), states));
      scaled.forEach((sink, s) => write(sink, 100 * p + s));
      for (const sink of scaled) {
        sink.endInput(out);
        sink.close();
      }
    }
    const { parts, inProgress } = readDir(dir);
    expect(inProgress).toEqual([]);
    expect(allLines(dir).map(Number).sort((a, b) => a - b)).toEqual([1, 11, 21, 200, 201, 400, 401, 402, 403]);
    // Subtasks 0 and 1 went on after their restored sequence numbers and after the files of the first restore.
    expect([...parts.keys()].sort()).toEqual(["part-0-0.jsonl", "part-0-2.jsonl", "part-0-3.jsonl", "part-1-0.jsonl", "part-1-2.jsonl", "part-1-3.jsonl", "part-2-0.jsonl", "part-2-2.jsonl", "part-3-0.jsonl"]);
  });
});
