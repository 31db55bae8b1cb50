/**
 * The CSV / JSON-lines file source and the stdin source: parsing (quotes, escapes, embedded newlines,
 * CRLF, headers), schema inference and coercion, chunked reading of a large file, exact continuation
 * after a restore (unit level and through the local runtime with an injected failure into the
 * exactly-once file sink), malformed records (fail / skip), a missing file, and stdin through a child
 * process.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { StreamEnvironment } from "../../src/index.ts";
import { MetricGroup, type SourceContext } from "../../src/core/index.ts";
import {
  BadRecordError,
  CHUNK_BYTES,
  coerce,
  FileRecordReader,
  FileSource,
  inferSchema,
  parseCsvRecord,
  parseFileSourceConfig,
  StdinSource,
  type FileSourcePosition,
} from "../../src/connectors/index.ts";
import { executeLocally } from "../../src/runtime/index.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-file-source-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
function writeInput(text: string, ext = "csv"): string {
  const path = join(root, `in-${files++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

function context(subtaskIndex = 0, parallelism = 1): SourceContext & { metrics: MetricGroup } {
  return {
    location: { operatorId: "src", operatorName: "FileSource", subtaskIndex, parallelism },
    metrics: new MetricGroup({}),
    maxParallelism: 128,
  };
}

/** Drain a source synchronously-or-not, returning every value. */
async function drain(source: FileSource | StdinSource, ctx = context()): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  source.open(ctx);
  for (;;) {
    const r = await source.pollNext({ collect: (values) => out.push(...values) });
    if (r === "end") break;
  }
  source.close();
  return out;
}

const fileSource = (config: Record<string, unknown>) => new FileSource(parseFileSourceConfig({ batchSize: 3, ...config }));

describe("CSV parsing", () => {
  test("quotes, \"\" escapes, delimiters and newlines inside quotes, CRLF, blank lines", async () => {
    const path = writeInput('id,name,note\r\n1,"Smith, J","said ""hi"""\r\n\r\n2,plain,"two\r\nlines"\r\n3,,""\n4,last,"x\ny"');
    const rows = await drain(fileSource({ path, format: "csv" }));
    expect(rows).toEqual([
      { id: "1", name: "Smith, J", note: 'said "hi"' },
      { id: "2", name: "plain", note: "two\r\nlines" },
      { id: "3", name: "", note: "" },
      { id: "4", name: "last", note: "x\ny" },
    ]);
  });

  test("no header: columns f0.. or the given names; custom delimiter; schema coercion", async () => {
    const path = writeInput("1;a;true\n2;b;false\n");
    expect(await drain(fileSource({ path, format: "csv", header: false, delimiter: ";" }))).toEqual([
      { f0: "1", f1: "a", f2: "true" },
      { f0: "2", f1: "b", f2: "false" },
    ]);
    expect(await drain(fileSource({ path, format: "csv", header: false, delimiter: ";", schema: { id: "BIGINT", s: "VARCHAR", ok: "BOOLEAN" } }))).toEqual([
      { id: 1, s: "a", ok: true },
      { id: 2, s: "b", ok: false },
    ]);
  });

  test("parseCsvRecord edge cases", () => {
    expect(parseCsvRecord("", ",")).toEqual([""]);
    expect(parseCsvRecord("a,", ",")).toEqual(["a", ""]);
    expect(parseCsvRecord('"a||b"||c', "||")).toEqual(["a||b", "c"]);
    expect(() => parseCsvRecord('"a"x,b', ",")).toThrow("after the closing quote of field 1");
  });
});

describe("JSON lines", () => {
  test("one object per line, CRLF and blank lines, multi-byte text", async () => {
    const path = writeInput('{"k":"ä€😀","v":1}\r\n\n{"k":"b","v":2.5,"ts":"2024-01-01T00:00:00Z"}\n', "jsonl");
    expect(await drain(fileSource({ path, format: "jsonl" }))).toEqual([
      { k: "ä€😀", v: 1 },
      { k: "b", v: 2.5, ts: "2024-01-01T00:00:00Z" },
    ]);
  });
});

describe("schema inference and coercion", () => {
  test("mixed columns", () => {
    const sample = [
      { id: "1", price: "2", ok: "true", when: "2024-03-01T10:00:00.123Z", name: "a", ts: "1700000000000", mixed: "1", empty: "" },
      { id: "2", price: "2.5", ok: "false", when: "2024-03-01 10:00:01", name: "7", ts: "1700000000001", mixed: "x", empty: "" },
    ];
    const schema = inferSchema(sample);
    expect(schema).toEqual({ id: "BIGINT", price: "DOUBLE", ok: "BOOLEAN", when: "TIMESTAMP(3)", name: "VARCHAR", ts: "BIGINT", mixed: "VARCHAR", empty: "VARCHAR" });
    expect(coerce(sample[0]!, schema)).toEqual({ id: 1, price: 2, ok: true, when: Date.UTC(2024, 2, 1, 10, 0, 0, 123), name: "a", ts: 1_700_000_000_000, mixed: "1", empty: "" });
    // JSON values: numbers stay numbers (a numeric time column is epoch ms), ISO strings are TIMESTAMP.
    expect(inferSchema([{ ts: 1700000000000, at: "2024-01-01T00:00:00+01:00", n: 1 }, { n: 1.5, extra: null }])).toEqual({ ts: "BIGINT", at: "TIMESTAMP(3)", n: "DOUBLE", extra: "VARCHAR" });
    expect(coerce({ at: "2024-01-01T00:00:00+01:00", n: "" }, { at: "TIMESTAMP(3)", n: "BIGINT", gone: "VARCHAR" })).toEqual({ at: Date.UTC(2023, 11, 31, 23), n: null, gone: null });
  });

  test("env.fromFile with schema: 'infer' coerces the records", async () => {
    const path = writeInput("user,amount,at\nann,3,2024-01-01T00:00:01Z\nbob,4.5,2024-01-01T00:00:02Z\n");
    const env = StreamEnvironment.create({ parallelism: 1 });
    const out = env.fromFile(path, { format: "csv", schema: "infer" }).collect();
    await env.execute("infer");
    expect(out.values).toEqual([
      { user: "ann", amount: 3, at: Date.UTC(2024, 0, 1, 0, 0, 1) },
      { user: "bob", amount: 4.5, at: Date.UTC(2024, 0, 1, 0, 0, 2) },
    ]);
  });
});

describe("large files, positions and restore", () => {
  const LINES = 200_000;
  const bigPath = join(root, "big.csv");
  const bigText = "i,sq,label\n" + Array.from({ length: LINES }, (_, i) => `${i},${i * i},"row ${i}, ok"`).join("\n") + "\n";
  writeFileSync(bigPath, bigText);

  test("200k lines are read in chunks, never the whole file at once", async () => {
    const reader = new FileRecordReader(parseFileSourceConfig({ path: bigPath, format: "csv", batchSize: 4096 }));
    reader.open();
    let n = 0;
    let next = 0;
    for (let batch = reader.readBatch(4096); batch !== null; batch = reader.readBatch(4096)) {
      for (const row of batch) expect(Number(row.i)).toBe(next++);
      n += batch.length;
    }
    reader.close();
    expect(n).toBe(LINES);
    expect(bigText.length).toBeGreaterThan(20 * CHUNK_BYTES);
    expect(reader.reads).toBeGreaterThanOrEqual(Math.ceil(bigText.length / CHUNK_BYTES));
    expect(reader.splitter.maxBuffered).toBeLessThanOrEqual(2 * CHUNK_BYTES);
  });

  test("snapshot between polls, restore into a new source: continues exactly after the snapshot", async () => {
    const path = writeInput('a,b\n1,"x\ny"\r\n2,z\n3,w\n4,"q"\n5,r');
    const first = fileSource({ path, format: "csv", batchSize: 2 });
    const seen: unknown[] = [];
    first.open(context());
    first.pollNext({ collect: (v) => seen.push(...v) });
    const state = first.snapshotState() as FileSourcePosition;
    first.close();
    expect(state.line).toBe(5);
    expect(state.columns).toEqual(["a", "b"]);
    // The old run had 2 subtasks: subtask 1 never read and snapshotted null.
    const second = fileSource({ path, format: "csv", batchSize: 2 });
    second.restoreState([state, null], context().location);
    const rest = await drain(second);
    expect([...seen, ...rest].map((r) => (r as { a: string }).a)).toEqual(["1", "2", "3", "4", "5"]);
    expect(rest[0]).toEqual({ a: "3", b: "w" });
  });

  test("at parallelism > 1 record i goes to subtask i % parallelism; all subtasks run to the end", async () => {
    const path = writeInput("a\n1\n2\n3\n4\n5\n");
    expect(await drain(fileSource({ path, format: "csv" }), context(1, 2))).toEqual([{ a: "2" }, { a: "4" }]);
    const env = StreamEnvironment.create({ parallelism: 3 });
    const out = env.fromFile<{ a: string }>(path, { format: "csv" }).map((r) => r.a).collect();
    await env.execute("p3");
    expect(out.values.sort()).toEqual(["1", "2", "3", "4", "5"]);
  });

  test("restore at another parallelism (2 -> 3 -> 1): every record exactly once", async () => {
    const n = 23;
    const path = writeInput(Array.from({ length: n }, (_, i) => JSON.stringify({ i })).join("\n"), "jsonl");
    const emitted: number[] = [];
    const collect = { collect: (v: Record<string, unknown>[]) => emitted.push(...v.map((r) => r.i as number)) };
    const run = (parallelism: number, states: unknown[], polls: (subtask: number) => number) => {
      const next: unknown[] = [];
      for (let s = 0; s < parallelism; s++) {
        const source = fileSource({ path, format: "jsonl", batchSize: 2 });
        if (states.length > 0) source.restoreState(states, context(s, parallelism).location);
        source.open(context(s, parallelism));
        for (let p = 0; p < polls(s); p++) source.pollNext(collect);
        next.push(source.snapshotState());
        source.close();
      }
      return next;
    };
    const afterTwo = run(2, [], (s) => (s === 0 ? 3 : 1));
    const afterThree = run(3, afterTwo, (s) => s + 1);
    run(1, afterThree, () => 100);
    expect(emitted.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  test("local runtime, failure after checkpoints: the committed output holds every line exactly once", async () => {
    const lines = 30_000;
    const path = writeInput(Array.from({ length: lines }, (_, i) => JSON.stringify({ id: i, k: i % 7 })).join("\n"), "jsonl");
    const outDir = join(root, "restore-out");
    const env = StreamEnvironment.create({ parallelism: 2 });
    let completedSnapshots = 0;
    let failed = false;
    let processed = 0;
    env
      .fromFile<{ id: number; k: number }>(path, { format: "jsonl", batchSize: 50 })
      .rebalance()
      .map((r) => {
        processed++;
        if (!failed && completedSnapshots >= 4 && processed > 5_000) {
          failed = true;
          throw new Error("injected failure");
        }
        // Slow the job down a little so checkpoints happen while it runs.
        if (processed % 100 === 0) Bun.sleepSync(1);
        return r.id;
      })
      .writeToFiles(outDir);
    const result = await executeLocally(env.getJobDefinition("file-source-restore"), {
      checkpointInterval: 10,
      checkpointDir: join(root, "chk"),
      restartStrategy: { type: "fixed-delay", attempts: 3, delayMs: 10 },
      beforeSnapshotWrite: () => {
        completedSnapshots++;
      },
    });
    expect(failed).toBe(true);
    expect(result.restarts).toBe(1);
    // The restored run did not start over: fewer records processed than two full passes.
    expect(processed).toBeLessThan(2 * lines);
    const ids = readdirSync(outDir)
      .filter((n) => n.startsWith("part-"))
      .flatMap((n) => readFileSync(join(outDir, n), "utf8").split("\n").filter((l) => l !== ""))
      .map(Number)
      .sort((a, b) => a - b);
    expect(ids.length).toBe(lines);
    expect(ids).toEqual(Array.from({ length: lines }, (_, i) => i));
  }, 60_000);
});

describe("errors", () => {
  test("a malformed line fails with file, line and reason", async () => {
    const path = writeInput('a,b\n1,2\n3,"4\n5,6,7\n');
    const error = await drain(fileSource({ path, format: "csv" })).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(BadRecordError);
    expect((error as Error).message).toBe(`malformed record in ${path} at line 3: unterminated quoted field 2`);
    const path2 = writeInput("a,b\n1,2\n3\n5,6\n");
    await expect(drain(fileSource({ path: path2, format: "csv" }))).rejects.toThrow(`malformed record in ${path2} at line 3: expected 2 fields (a, b), got 1`);
    const path3 = writeInput('{"a":1}\n{"a":\n[1]\n', "jsonl");
    await expect(drain(fileSource({ path: path3, format: "jsonl" }))).rejects.toThrow(`${path3} at line 2: invalid JSON`);
    const path4 = writeInput("n\n1\nx\n");
    await expect(drain(fileSource({ path: path4, format: "csv", schema: { n: "BIGINT" } }))).rejects.toThrow(`at line 3: column 'n': "x" is not a BIGINT`);
  });

  test("onBadRecord: skip drops and counts malformed lines", async () => {
    const path = writeInput('{"a":1}\n{"a":\n[1]\n{"a":2}\n', "jsonl");
    const ctx = context();
    const rows = await drain(fileSource({ path, format: "jsonl", onBadRecord: "skip" }), ctx);
    expect(rows).toEqual([{ a: 1 }, { a: 2 }]);
    expect(ctx.metrics.snapshot().badRecordsSkipped).toBe(2);
  });

  test("a missing file fails the job with a clear error naming the path (no restart loop)", async () => {
    const path = join(root, "does-not-exist.csv");
    expect(existsSync(path)).toBe(false);
    expect(() => fileSource({ path, format: "csv" }).open(context())).toThrow(`file source: no such file '${path}'`);
    const env = StreamEnvironment.create({ parallelism: 1 });
    env.fromFile(path, { format: "jsonl" }).collect();
    await expect(env.execute("missing")).rejects.toThrow(`no such file '${path}'`);
  });

  test("bad options are rejected when the job is defined", () => {
    const env = StreamEnvironment.create();
    expect(() => env.fromFile("x.csv", { format: "xml" as "csv" })).toThrow("option 'format' must be one of csv, jsonl");
    expect(() => env.fromFile("x.csv", { format: "csv", delimiter: "" })).toThrow("option 'delimiter'");
  });
});

describe("stdin", () => {
  test("in-process with a stream: bounded, snapshot counts, restore fails clearly", async () => {
    const bytes = new TextEncoder().encode("a,b\n1,x\n2,\"y\nz\"\n3,w");
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(c) {
          // Split across chunks in the middle of a quoted field.
          c.enqueue(bytes.subarray(0, 13));
          c.enqueue(bytes.subarray(13));
          c.close();
        },
      });
    const config = { format: "csv" as const, header: true, delimiter: ",", onBadRecord: "fail" as const, batchSize: 10 };
    const source = new StdinSource(config, stream);
    expect(await drain(source)).toEqual([{ a: "1", b: "x" }, { a: "2", b: "y\nz" }, { a: "3", b: "w" }]);
    expect(source.snapshotState()).toEqual({ recordsRead: 3 });
    expect(() => new StdinSource(config, stream).restoreState([{ recordsRead: 3 }], context().location)).toThrow("reads stdin, which cannot be re-read");
  });

  test("through a child process: piped JSON lines, counts printed, exit code 0; a malformed line exits 1", async () => {
    const index = resolve(import.meta.dir, "../../src/index.ts");
    const script = `
      import { StreamEnvironment } from ${JSON.stringify(index)};
      const env = StreamEnvironment.create({ parallelism: 2 });
      const out = env.fromStdin({ format: "jsonl" }).rebalance().map((e) => e).collect();
      try {
        await env.execute("stdin");
      } catch (e) {
        console.error(String(e.message));
        process.exit(1);
      }
      const counts = {};
      for (const e of out.values) counts[e.key] = (counts[e.key] ?? 0) + e.v;
      console.log(JSON.stringify({ n: out.values.length, counts }));
    `;
    const input = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ key: i % 3, v: 1 })).join("\n") + "\n";
    const run = async (stdin: string) => {
      const proc = Bun.spawn([process.execPath, "-e", script], { stdin: new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
      const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
      return { stdout, stderr, code };
    };
    const ok = await run(input);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ n: 5000, counts: { "0": 1667, "1": 1667, "2": 1666 } });
    const bad = await run('{"key":1,"v":1}\nnot json\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("malformed record in stdin at line 2: invalid JSON");
  }, 30_000);
});
