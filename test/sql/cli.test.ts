/**
 * `bicycle sql` run from source (src/cli/main.ts) as a child process: one-line errors with position
 * and did-you-mean, exit codes, the json / csv / table output formats, windowed aggregations over an
 * `--input` CSV file and over piped JSON lines (with and without a watermark), scripts with CREATE
 * TABLE + INSERT INTO, and the Nexmark tables. Every expected result is computed here, independently:
 * plain loops over the generated rows, no Bicycle operators.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nexmarkEvent, type Bid } from "../../src/index.ts";
import { ProcessCluster } from "../cluster/process-cluster.ts";
import { runCli, type CliResult } from "../helpers/cli.ts";

const TIMEOUT_MS = 60_000;

/** Run `bicycle sql ...args` from source; `stdin` is piped in when given, else stdin is /dev/null. */
const sql = (args: string[], stdin?: string): Promise<CliResult> => runCli(["sql", ...args], stdin === undefined ? {} : { stdin });

const lines = (text: string): string[] => text.split("\n").filter((l) => l.length > 0);
const jsonRows = (text: string): Record<string, unknown>[] => lines(text).map((l) => JSON.parse(l) as Record<string, unknown>);
/** Rows as sorted JSON strings, to compare multisets whatever the output order. */
const canon = (rows: readonly unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

/** Expect a one-line user error (exit 1, `error: ...`, no stack trace) and return the line. */
function expectUserError(r: CliResult): string {
  expect(r.exitCode).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr).not.toContain("    at ");
  const errorLines = lines(r.stderr).filter((l) => !l.startsWith("INFO ") && !l.startsWith("WARN "));
  expect(errorLines).toHaveLength(1);
  expect(errorLines[0]!.startsWith("error: ")).toBe(true);
  return errorLines[0]!;
}

/** A tiny RFC 4180 reader (quotes, doubled quotes, commas and newlines inside quotes); null for an empty unquoted field. */
function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let field: string | null;
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error("unterminated quote");
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      field = value;
    } else {
      let end = i;
      while (end < text.length && text[end] !== "," && text[end] !== "\n") end++;
      field = end === i ? null : text.slice(i, end);
      i = end;
    }
    row.push(field);
    if (text[i] === ",") i++;
    else {
      rows.push(row);
      row = [];
      i++; // the newline
    }
  }
  return rows;
}

/** `yyyy-MM-dd HH:mm:ss.SSS` (UTC), computed another way than the sink does. */
const sqlTimestamp = (ms: number): string => new Date(ms).toISOString().replace("T", " ").replace("Z", "");

/** A seeded generator (mulberry32), so the data is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Event {
  readonly id: number;
  readonly k: string;
  readonly v: number;
  readonly ts: number;
}

const BASE_MS = Date.UTC(2024, 0, 1, 12, 0, 0);

/**
 * `count` events, 100 ms apart in event time, each jittered by up to +-400 ms: at most 800 ms out of
 * order, so with a 1 s watermark bound no event is ever late and every window is complete.
 */
function events(count: number, seed: number): Event[] {
  const rnd = random(seed);
  const keys = ["a", "b", "c"];
  return Array.from({ length: count }, (_, i) => ({
    id: i,
    k: keys[Math.floor(rnd() * keys.length)]!,
    v: Math.floor(rnd() * 100),
    ts: BASE_MS + i * 100 + Math.floor(rnd() * 801) - 400,
  }));
}

/** Tumbling-window COUNT and SUM per key, computed with plain loops. */
function tumblingCounts(input: readonly Event[], sizeMs: number): { window_start: string; window_end: string; k: string; n: number; total: number }[] {
  const groups = new Map<string, { start: number; k: string; n: number; total: number }>();
  for (const e of input) {
    const start = e.ts - (e.ts % sizeMs);
    const key = `${start}/${e.k}`;
    const g = groups.get(key) ?? { start, k: e.k, n: 0, total: 0 };
    g.n++;
    g.total += e.v;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({ window_start: sqlTimestamp(g.start), window_end: sqlTimestamp(g.start + sizeMs), k: g.k, n: g.n, total: g.total }));
}

const WINDOW_QUERY =
  "SELECT window_start, window_end, k, COUNT(*) AS n, SUM(v) AS total " +
  "FROM TABLE(TUMBLE(TABLE input, DESCRIPTOR(ts), INTERVAL '5' SECOND)) " +
  "GROUP BY window_start, window_end, k";

let dir = "";
let ordersCsv = "";
const ORDERS = events(300, 7);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bicycle-sql-cli-"));
  ordersCsv = join(dir, "orders.csv");
  const csv = ["id,k,v,ts", ...ORDERS.map((e) => `${e.id},${e.k},${e.v},${new Date(e.ts).toISOString()}`)].join("\n");
  await writeFile(ordersCsv, `${csv}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("errors", () => {
  test("a syntax error is one line with line and column, exit 1, no stack trace", async () => {
    const r = await sql(["SELECT auction,\n  FROM nexmark.bid"]);
    const line = expectUserError(r);
    expect(line).toMatch(/line 2, column 3\b/);
  }, TIMEOUT_MS);

  test("an unknown table gets a did-you-mean", async () => {
    const r = await sql(["SELECT * FROM imput", "--input", ordersCsv]);
    const line = expectUserError(r);
    expect(line).toContain("line 1, column 15");
    expect(line).toContain("imput");
    expect(line).toContain("did you mean 'input'");
  }, TIMEOUT_MS);

  test("an unknown column gets a did-you-mean", async () => {
    const r = await sql(["SELECT vv FROM input", "--input", ordersCsv]);
    const line = expectUserError(r);
    expect(line).toContain("line 1, column 8");
    expect(line).toContain("'vv'");
    expect(line).toContain("did you mean 'v'");
  }, TIMEOUT_MS);

  test("usage: neither a query nor --file, or both, exit 1", async () => {
    const neither = await sql([]);
    expect(neither.exitCode).toBe(1);
    expect(neither.stderr).toContain("error: give a query");
    const both = await sql(["SELECT 1", "-f", ordersCsv]);
    expect(both.exitCode).toBe(1);
    expect(both.stderr).toContain("not both");
  }, TIMEOUT_MS);

  test("a missing --input file, and an input file of unknown format, exit 1 naming it", async () => {
    expect(expectUserError(await sql(["SELECT * FROM input", "--input", join(dir, "nope.csv")]))).toContain("nope.csv");
    const txt = join(dir, "data.txt");
    await writeFile(txt, "a,b\n1,2\n");
    expect(expectUserError(await sql(["SELECT * FROM input", "--input", txt]))).toContain(".csv, .jsonl");
  }, TIMEOUT_MS);

  test("an unreachable JobManager exits 2 naming the address", async () => {
    const r = await sql(["SELECT id FROM input", "--input", ordersCsv, "--jobmanager", "127.0.0.1:1"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("127.0.0.1:1");
    expect(r.stderr).not.toContain("    at ");
  }, TIMEOUT_MS);
});

describe("output formats", () => {
  const expected = ORDERS.filter((e) => e.v >= 50).map((e) => ({ id: e.id, k: e.k, doubled: e.v * 2, ts: sqlTimestamp(e.ts) }));

  test("--format json: one object per row, columns in order, timestamps as text", async () => {
    const r = await sql(["SELECT id, k, v * 2 AS doubled, ts FROM input WHERE v >= 50", "--input", ordersCsv, "--format", "json"]);
    expect(r.stderr).not.toContain("error");
    expect(r.exitCode).toBe(0);
    const rows = jsonRows(r.stdout);
    expect(rows.every((row) => JSON.stringify(Object.keys(row)) === '["id","k","doubled","ts"]')).toBe(true);
    expect(canon(rows)).toEqual(canon(expected));
  }, TIMEOUT_MS);

  test("--format csv: a header, then RFC 4180 records (quoting, NULL as an empty field), at parallelism 2", async () => {
    const r = await sql(
      ["SELECT id, CASE WHEN k = 'a' THEN 'x, \"quoted\"' WHEN k = 'b' THEN NULL ELSE k END AS label, ts FROM input WHERE v >= 50", "--input", ordersCsv, "--format", "csv", "-p", "2"],
    );
    expect(r.exitCode).toBe(0);
    const [header, ...records] = parseCsv(r.stdout);
    expect(header).toEqual(["id", "label", "ts"]);
    const want = ORDERS.filter((e) => e.v >= 50).map((e) => [String(e.id), e.k === "a" ? 'x, "quoted"' : e.k === "b" ? null : e.k, sqlTimestamp(e.ts)]);
    expect(canon(records)).toEqual(canon(want));
  }, TIMEOUT_MS);

  test("--format table: header sized by type, one +I row per result, closing border and row count", async () => {
    const r = await sql(["SELECT id, k FROM input WHERE id < 3", "--input", ordersCsv, "--format", "table"]);
    expect(r.exitCode).toBe(0);
    const out = lines(r.stdout);
    const border = "+----+----------------------+--------------------------------+";
    expect(out.slice(0, 3)).toEqual([border, "| op |                   id | k                              |", border]);
    expect(out.slice(3, 6).sort()).toEqual([0, 1, 2].map((id) => `| +I | ${String(id).padStart(20)} | ${ORDERS[id]!.k.padEnd(30)} |`));
    expect(out.slice(6)).toEqual([border, "Received a total of 3 rows"]);
  }, TIMEOUT_MS);

  test("EXPLAIN prints the plan and runs nothing", async () => {
    const r = await sql(["EXPLAIN SELECT id FROM input WHERE v > 10", "--input", ordersCsv]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    expect(r.stdout).not.toContain('"id":');
  }, TIMEOUT_MS);
});

describe("windowed aggregation", () => {
  test("over an --input CSV file (ISO timestamps) with a 1 s watermark, at parallelism 2", async () => {
    const r = await sql([WINDOW_QUERY, "--input", ordersCsv, "--watermark", "ts - INTERVAL '1' SECOND", "--format", "json", "-p", "2"]);
    expect(r.stderr).not.toContain("error");
    expect(r.exitCode).toBe(0);
    expect(canon(jsonRows(r.stdout))).toEqual(canon(tumblingCounts(ORDERS, 5000)));
  }, TIMEOUT_MS);

  test("over piped stdin JSON lines (ts in epoch ms) with --watermark", async () => {
    const input = events(400, 11);
    const stdin = input.map((e) => JSON.stringify(e)).join("\n") + "\n";
    const r = await sql([WINDOW_QUERY, "--watermark", "ts - INTERVAL '1' SECOND", "--format", "json"], stdin);
    expect(r.stderr).not.toContain("error");
    expect(r.exitCode).toBe(0);
    expect(canon(jsonRows(r.stdout))).toEqual(canon(tumblingCounts(input, 5000)));
  }, TIMEOUT_MS);

  test("over piped stdin without --watermark: `ts` (epoch ms) is the time attribute and every window fires when the input ends", async () => {
    const input = events(300, 17);
    const stdin = input.map((e) => JSON.stringify(e)).join("\n") + "\n";
    const r = await sql([WINDOW_QUERY, "--format", "json"], stdin);
    expect(r.stderr).not.toContain("error");
    expect(r.exitCode).toBe(0);
    expect(canon(jsonRows(r.stdout))).toEqual(canon(tumblingCounts(input, 5000)));
  }, TIMEOUT_MS);

  test("over piped stdin with no time-like column: a window is refused (no time attribute, give --watermark), one line, exit 1", async () => {
    const stdin = events(20, 17).map(({ k, v }) => JSON.stringify({ k, v, moment: 5 })).join("\n") + "\n";
    const line = expectUserError(await sql(["SELECT k, COUNT(*) FROM TABLE(TUMBLE(TABLE input, DESCRIPTOR(moment), INTERVAL '5' SECOND)) GROUP BY k, window_start, window_end", "--format", "json"], stdin));
    expect(line).toContain("no time attribute");
    expect(line).toContain("--watermark");
  }, TIMEOUT_MS);

  test("over piped stdin JSON lines without a watermark: an updating GROUP BY whose last row per key is the total", async () => {
    const input = events(250, 13);
    const stdin = input.map((e) => JSON.stringify(e)).join("\n") + "\n";
    const r = await sql(["SELECT k, COUNT(*) AS n, SUM(v) AS total FROM input GROUP BY k", "--format", "json"], stdin);
    expect(r.stderr).not.toContain("error");
    expect(r.exitCode).toBe(0);
    const rows = jsonRows(r.stdout);
    expect(rows.every((row) => row.op === "+I" || row.op === "+U")).toBe(true);
    const last = new Map<string, Record<string, unknown>>();
    for (const row of rows) last.set(String(row.k), row);
    const want = new Map<string, { n: number; total: number }>();
    for (const e of input) {
      const w = want.get(e.k) ?? { n: 0, total: 0 };
      w.n++;
      w.total += e.v;
      want.set(e.k, w);
    }
    expect(canon([...last.values()].map(({ k, n, total }) => ({ k, n, total })))).toEqual(canon([...want].map(([k, w]) => ({ k, ...w }))));
    // Each key's first row is an insert; counts only grow.
    expect(rows.filter((row) => row.op === "+I").length).toBe(want.size);
  }, TIMEOUT_MS);
});

describe("scripts (-f)", () => {
  test("CREATE TABLE + INSERT INTO a file table: part files hold the windowed counts", async () => {
    const out = join(dir, "out-files");
    await mkdir(out, { recursive: true });
    const script = join(dir, "to-file.sql");
    await writeFile(
      script,
      [
        "-- orders from a CSV file, windowed counts to JSON-lines part files",
        `CREATE TABLE orders (id BIGINT, k VARCHAR, v BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)`,
        `  WITH ('connector' = 'file', 'path' = '${ordersCsv}', 'format' = 'csv');`,
        `CREATE TABLE counts (window_start TIMESTAMP(3), k VARCHAR, n BIGINT, total BIGINT) WITH ('connector' = 'file', 'path' = '${out}', 'format' = 'json');`,
        "INSERT INTO counts",
        "SELECT window_start, k, COUNT(*) AS n, SUM(v) AS total FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY window_start, window_end, k;",
      ].join("\n"),
    );
    const r = await sql(["-f", script]);
    expect(r.stderr).not.toContain("error");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("");
    const parts = (await readdir(out)).filter((f) => f.startsWith("part-"));
    expect(parts.length).toBeGreaterThan(0);
    const rows = (await Promise.all(parts.map((f) => readFile(join(out, f), "utf8")))).flatMap(jsonRows);
    // The file sink writes TIMESTAMP values as epoch milliseconds.
    const want = tumblingCounts(ORDERS, 5000).map(({ window_start, k, n, total }) => ({ window_start: Date.parse(`${window_start.replace(" ", "T")}Z`), k, n, total }));
    expect(canon(rows)).toEqual(canon(want));
  }, TIMEOUT_MS);

  test("CREATE TABLE + INSERT INTO a print table: its own format (csv) and header on stdout", async () => {
    const script = join(dir, "to-stdout.sql");
    await writeFile(
      script,
      [
        `CREATE TABLE big (id BIGINT, v BIGINT) WITH ('connector' = 'print', 'format' = 'csv');`,
        `INSERT INTO big SELECT id, v FROM input WHERE v > 90;`,
      ].join("\n"),
    );
    const r = await sql(["-f", script, "--input", ordersCsv, "--format", "json"]);
    expect(r.stderr).not.toContain("error");
    expect(r.exitCode).toBe(0);
    const [header, ...records] = parseCsv(r.stdout);
    expect(header).toEqual(["id", "v"]);
    expect(canon(records)).toEqual(canon(ORDERS.filter((e) => e.v > 90).map((e) => [String(e.id), String(e.v)])));
  }, TIMEOUT_MS);
});

describe("nexmark tables", () => {
  test("COUNT and MAX over nexmark.bid with --events: the last update equals a loop over the generator", async () => {
    const EVENTS = 5000;
    const r = await sql(["SELECT COUNT(*) AS n, MAX(price) AS max_price FROM nexmark.bid", "--events", String(EVENTS), "--format", "json", "-p", "2"]);
    expect(r.stderr).not.toContain("error");
    expect(r.exitCode).toBe(0);
    const rows = jsonRows(r.stdout);
    const bids: Bid[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const e = nexmarkEvent(i);
      if (e.kind === "bid") bids.push(e.bid);
    }
    const last = rows.at(-1)!;
    expect({ n: last.n, max_price: last.max_price }).toEqual({ n: bids.length, max_price: Math.max(...bids.map((b) => b.price)) });
  }, TIMEOUT_MS);
});

describe("--jobmanager", () => {
  test("submits each job to a cluster, prints its id and follows it; a bare SELECT's rows appear on the worker's stdout", async () => {
    const runDir = join(dir, "cluster");
    await mkdir(runDir, { recursive: true });
    const cluster = new ProcessCluster({ dir: runDir });
    try {
      await cluster.startJobManager();
      await cluster.startWorker("w1", 2);
      const out = join(runDir, "out");
      const script = join(dir, "cluster.sql");
      await writeFile(
        script,
        [
          `CREATE TABLE big (id BIGINT, v BIGINT) WITH ('connector' = 'file', 'path' = '${out}', 'format' = 'json');`,
          "INSERT INTO big SELECT id, v FROM input WHERE v > 90;",
          "SELECT id, k FROM input WHERE v < 5;",
        ].join("\n"),
      );
      const r = await sql(["-f", script, "--input", ordersCsv, "--format", "json", "-p", "2", "--jobmanager", cluster.jobManagerAddress]);
      expect(r.stderr).toContain("FINISHED");
      expect(r.stderr).toContain("printed on the stdout of the workers");
      expect(r.exitCode).toBe(0);
      const ids = lines(r.stdout);
      expect(ids).toHaveLength(2);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
      const parts = (await readdir(out)).filter((f) => f.startsWith("part-"));
      const written = (await Promise.all(parts.map((f) => readFile(join(out, f), "utf8")))).flatMap(jsonRows);
      expect(canon(written)).toEqual(canon(ORDERS.filter((e) => e.v > 90).map((e) => ({ id: e.id, v: e.v }))));
      const printed = lines(await readFile(join(runDir, "w1.out.log"), "utf8")).filter((l) => l.startsWith("{"));
      expect(canon(printed.map((l) => JSON.parse(l)))).toEqual(canon(ORDERS.filter((e) => e.v < 5).map((e) => ({ id: e.id, k: e.k }))));
    } finally {
      await cluster.stop();
    }
  }, TIMEOUT_MS);
});
