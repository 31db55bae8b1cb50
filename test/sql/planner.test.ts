/**
 * The SQL front end end to end, in process: every statement form, the error messages (line, column,
 * what was expected, "did you mean"), and the results of each supported construct, run on small
 * inputs and compared with an independent computation in plain TypeScript.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildJobGraph, explainJobGraph } from "../../src/plan/index.ts";
import { planSqlScript, SqlError, type SqlStatementResult } from "../../src/sql/index.ts";
import { planJob, runSql, type SqlRow } from "./run-sql.ts";

let dir: string;
let eventsPath: string;

interface Event {
  readonly user: string;
  readonly amount: number;
  readonly ts: number;
}

/** 500 events over 50 s of event time, 5 users, amounts 0..96, slightly out of order. */
const EVENTS: Event[] = Array.from({ length: 500 }, (_, i) => ({
  user: `u${(i * 7) % 5}`,
  amount: (i * 37) % 97,
  ts: 1_700_000_000_000 + i * 100 - (i % 3) * 40,
}));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bicycle-sql-"));
  eventsPath = join(dir, "events.jsonl");
  writeFileSync(eventsPath, EVENTS.map((e) => JSON.stringify(e)).join("\n") + "\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const table = () => `CREATE TABLE events (user VARCHAR, amount BIGINT, ts BIGINT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'file', 'path' = '${eventsPath}', 'format' = 'json');`;

const canon = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r)).sort();
const floorTo = (t: number, size: number) => t - (((t % size) + size) % size);

function sqlError(script: string): SqlError {
  try {
    planSqlScript(script, { parallelism: 1, output: { format: "json" } });
  } catch (error) {
    if (error instanceof SqlError) return error;
    throw error;
  }
  throw new Error("expected an SqlError");
}

describe("statements", () => {
  test("a script: CREATE TABLE, SET, EXPLAIN, SELECT and INSERT INTO, in order", () => {
    const results: SqlStatementResult[] = planSqlScript(
      `${table()}
       CREATE TABLE out (user VARCHAR, total BIGINT) WITH ('connector' = 'blackhole');
       SET 'parallelism.default' = '2';
       SET 'execution.checkpointing.interval' = '10 s';
       EXPLAIN SELECT user, amount FROM events WHERE amount > 10;
       SELECT user FROM events;
       INSERT INTO out SELECT user, SUM(amount) FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY user, window_start, window_end;`,
      { parallelism: 1, output: { format: "json" } },
    );
    expect(results.map((r) => r.kind)).toEqual(["ddl", "ddl", "set", "set", "explain", "job", "job"]);
    const explain = results[4] as Extract<SqlStatementResult, { kind: "explain" }>;
    expect(explain.text).toContain("sql:calc");
    expect(explain.text).toContain("parallelism=2");
    const insert = results[6] as Extract<SqlStatementResult, { kind: "job" }>;
    expect(insert.printsToStdout).toBe(false);
    expect(insert.checkpointIntervalMs).toBe(10_000);
    expect(insert.plan.nodes.map((n) => n.kind)).toEqual(["source:file", "window", "sql:calc", "sql:calc", "sink:discard"]);
    expect(insert.plan.nodes.every((n) => n.parallelism === 2)).toBe(true);
  });

  test("EXPLAIN prints the JobGraph with the same printer as the TypeScript API", () => {
    const sql = `${table()} SELECT user, amount * 2 AS double_amount FROM events`;
    const [, explain] = planSqlScript(`${table()} EXPLAIN SELECT user, amount * 2 AS double_amount FROM events`, { parallelism: 1, output: { format: "json" } });
    const job = planJob(sql);
    expect((explain as { text: string }).text).toBe(explainJobGraph(buildJobGraph(job.plan, { chaining: true })));
  });

  test("a SQL job is plan-only JSON: it round-trips through JSON unchanged", () => {
    const job = planJob(`${table()} SELECT user, COUNT(*) FROM events GROUP BY user`);
    expect(JSON.parse(JSON.stringify(job.plan))).toEqual(job.plan);
    expect(job.updating).toBe(true);
  });
});

describe("errors: position, expectation, suggestion", () => {
  const cases: [string, string, RegExp][] = [
    ["syntax", "SELECT auction FORM bid", /^line 1, column 16: expected .*FROM.* but found 'FORM'/],
    ["syntax on line 3", "SELECT auction,\n  price\n  FROM bid WHERE", /^line 3, column 17: /],
    ["unknown table", "SELECT * FROM nexmark.bids", /^line 1, column 15: unknown table 'nexmark.bids' \(did you mean 'nexmark.bid'\?\)/],
    ["unknown column", "SELECT pricee FROM bid", /^line 1, column 8: unknown column 'pricee' \(did you mean 'price'\?\)/],
    ["type error", "SELECT auction FROM bid WHERE price + 'x' > 1", /^line 1, column 37: cannot apply '\+' to BIGINT and VARCHAR/],
    ["non-boolean WHERE", "SELECT auction FROM bid WHERE price", /WHERE must be BOOLEAN, but it is BIGINT/],
    ["not grouped", "SELECT auction, price, COUNT(*) FROM bid GROUP BY auction", /^line 1, column 17: column 'price' must be in GROUP BY or inside an aggregate function/],
    ["unknown function", "SELECT UPPR(extra) FROM bid", /unknown function UPPR\(\) \(did you mean 'UPPER'\?\)/],
    ["wrong arity", "SELECT MOD(auction) FROM bid", /MOD\(\) takes 2 arguments, got 1/],
    ["ORDER BY", "SELECT auction FROM bid ORDER BY price", /ORDER BY is not supported on an unbounded stream/],
    ["outer join", "SELECT * FROM bid b LEFT JOIN auction a ON b.auction = a.id", /LEFT JOIN is not supported/],
    ["non-window join", "SELECT * FROM bid b JOIN auction a ON b.auction = a.id", /only window joins are supported/],
    ["ambiguous column", "SELECT dateTime FROM (SELECT * FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(dateTime), INTERVAL '1' SECOND))) p JOIN (SELECT * FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(dateTime), INTERVAL '1' SECOND))) a ON p.window_start = a.window_start AND p.window_end = a.window_end", /column 'dateTime' is ambiguous/],
    ["DESCRIPTOR not the time attribute", "SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(price), INTERVAL '1' SECOND))", /DESCRIPTOR\(price\) must name the time attribute of 'bid', which is 'dateTime'/],
    ["unknown connector", "CREATE TABLE t (a BIGINT) WITH ('connector' = 'kafak')", /unknown connector 'kafak' \(did you mean 'kafka'\?\)/],
    ["unknown option", "CREATE TABLE t (a BIGINT) WITH ('connector' = 'file', 'path' = '/x', 'fromat' = 'csv')", /unknown option 'fromat' for this connector \(did you mean 'format'\?\)/],
    ["pulsar", "CREATE TABLE t (a BIGINT) WITH ('connector' = 'pulsar')", /Pulsar/],
    ["updating into append-only sink", "CREATE TABLE o (a BIGINT, n BIGINT) WITH ('connector' = 'blackhole'); CREATE TABLE f (a BIGINT, n BIGINT) WITH ('connector' = 'file', 'path' = '/tmp/x'); INSERT INTO f SELECT auction, COUNT(*) FROM bid GROUP BY auction", /accepts only appended rows, but the query produces updates/],
    ["sink column count", "CREATE TABLE o (a BIGINT) WITH ('connector' = 'blackhole'); INSERT INTO o SELECT auction, price FROM bid", /table 'o' has 1 columns \(a\), but the query produces 2/],
    ["rank without filter", "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC) AS rn FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND)))", /filter the ranking column: WHERE rn <= N/],
    ["unknown setting", "SET 'parallelism.defualt' = '2'", /unknown setting 'parallelism.defualt' \(did you mean 'parallelism.default'\?\)/],
    ["cast", "SELECT CAST(dateTime AS BOOLEAN) FROM bid", /cannot CAST TIMESTAMP\(3\) to BOOLEAN/],
    ["reuse setting", "SET 'table.optimizer.reuse-sub-plan-enabled' = 'yes'", /'table.optimizer.reuse-sub-plan-enabled' must be true or false, got 'yes'/],
  ];
  for (const [name, script, message] of cases) {
    test(name, () => {
      const error = sqlError(script);
      expect(error.message).toMatch(message);
      expect(error.code).toBe("SQL_INVALID");
      expect(error.domain).toBe("user");
    });
  }
});

describe("results against an independent computation", () => {
  test("projection, WHERE, CASE, CAST and scalar functions", async () => {
    const rows = await runSql(`${table()}
      SELECT UPPER(user) AS u, amount % 10 AS last_digit, CASE WHEN amount >= 50 THEN 'high' ELSE 'low' END AS level,
             CAST(amount AS DOUBLE) / 4 AS quarter, COALESCE(NULLIF(amount, 0), -1) AS nz, SUBSTRING(user, 2) AS n
      FROM events WHERE amount BETWEEN 10 AND 60 AND user IN ('u1', 'u3')`);
    const expected = EVENTS.filter((e) => e.amount >= 10 && e.amount <= 60 && (e.user === "u1" || e.user === "u3")).map((e) => ({
      u: e.user.toUpperCase(),
      last_digit: e.amount % 10,
      level: e.amount >= 50 ? "high" : "low",
      quarter: e.amount / 4,
      nz: e.amount === 0 ? -1 : e.amount,
      n: e.user.slice(1),
    }));
    expect(canon(rows)).toEqual(canon(expected));
  });

  test("SQL-standard SUBSTRING(s FROM a FOR n) and EXTRACT(unit FROM ts) equal their function forms", async () => {
    const rows = await runSql(`${table()}
      SELECT SUBSTRING(user FROM 1 FOR 1) AS a, SUBSTRING(user, 1, 1) AS b, SUBSTRING(user FROM 2) AS c,
             EXTRACT(SECOND FROM ts) AS s, SECOND(ts) AS s2, EXTRACT(YEAR FROM ts) AS y FROM events`);
    expect(rows.length).toBe(EVENTS.length);
    const byTs = new Map(EVENTS.map((e) => [e.ts, e]));
    expect(byTs.size).toBe(EVENTS.length);
    for (const r of rows) {
      expect(r.a).toBe(r.b);
      expect(r.s).toBe(r.s2);
      expect(r.y).toBe(2023);
    }
    expect(canon(rows.map((r) => ({ a: r.a, c: r.c })))).toEqual(canon(EVENTS.map((e) => ({ a: e.user[0], c: e.user.slice(1) }))));
    expect(canon(rows.map((r) => r.s))).toEqual(canon(EVENTS.map((e) => new Date(e.ts).getUTCSeconds())));
  });

  test("SELECT DISTINCT: one +I row per distinct value, no repeats", async () => {
    const rows = await runSql(`${table()} SELECT DISTINCT user FROM events`, { parallelism: 2 });
    expect(canon(rows)).toEqual(canon([...new Set(EVENTS.map((e) => e.user))].map((user) => ({ user, $op: "+I" }))));
  });

  function tumbleExpected(size: number) {
    const groups = new Map<string, Event[]>();
    for (const e of EVENTS) {
      const k = `${e.user}|${floorTo(e.ts, size)}`;
      groups.set(k, [...(groups.get(k) ?? []), e]);
    }
    return [...groups].map(([k, es]) => {
      const [user, start] = k.split("|");
      const amounts = es.map((e) => e.amount);
      return {
        user,
        window_start: Number(start),
        window_end: Number(start) + size,
        n: es.length,
        total: amounts.reduce((a, b) => a + b, 0),
        lo: Math.min(...amounts),
        hi: Math.max(...amounts),
        mean: Math.trunc(amounts.reduce((a, b) => a + b, 0) / amounts.length),
        distinct_amounts: new Set(amounts).size,
      };
    });
  }

  for (const parallelism of [1, 3]) {
    test(`TUMBLE TVF with COUNT, SUM, MIN, MAX, AVG, COUNT(DISTINCT) at parallelism ${parallelism}`, async () => {
      const rows = await runSql(
        `${table()}
        SELECT user, window_start, window_end, COUNT(*) AS n, SUM(amount) AS total, MIN(amount) AS lo, MAX(amount) AS hi, AVG(amount) AS mean, COUNT(DISTINCT amount) AS distinct_amounts
        FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECOND)) GROUP BY user, window_start, window_end`,
        { parallelism },
      );
      expect(canon(rows)).toEqual(canon(tumbleExpected(5000)));
    });
  }

  test("the older GROUP BY TUMBLE(ts, ...) form gives the same windows", async () => {
    const rows = await runSql(`${table()}
      SELECT user, TUMBLE_START(ts, INTERVAL '5' SECOND) AS window_start, TUMBLE_END(ts, INTERVAL '5' SECOND) AS window_end, COUNT(*) AS n
      FROM events GROUP BY TUMBLE(ts, INTERVAL '5' SECOND), user`);
    expect(canon(rows)).toEqual(canon(tumbleExpected(5000).map(({ user, window_start, window_end, n }) => ({ user, window_start, window_end, n }))));
  });

  test("HOP TVF: every row counts in size/slide windows", async () => {
    const rows = await runSql(`${table()}
      SELECT window_start, window_end, COUNT(*) AS n FROM TABLE(HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '6' SECOND)) GROUP BY window_start, window_end`);
    const counts = new Map<number, number>();
    for (const e of EVENTS) for (let s = floorTo(e.ts, 2000); s > e.ts - 6000; s -= 2000) counts.set(s, (counts.get(s) ?? 0) + 1);
    expect(canon(rows)).toEqual(canon([...counts].map(([s, n]) => ({ window_start: s, window_end: s + 6000, n }))));
    expect(rows.reduce((a, r) => a + (r.n as number), 0)).toBe(EVENTS.length * 3);
  });

  test("SESSION TVF: sessions per user close after a 250 ms gap", async () => {
    const rows = await runSql(`${table()}
      SELECT user, window_start, window_end, COUNT(*) AS n FROM TABLE(SESSION(TABLE events, DESCRIPTOR(ts), INTERVAL '250' MILLISECOND)) GROUP BY user, window_start, window_end`);
    const expected: SqlRow[] = [];
    const byUser = new Map<string, number[]>();
    for (const e of EVENTS) byUser.set(e.user, [...(byUser.get(e.user) ?? []), e.ts]);
    for (const [user, times] of byUser) {
      times.sort((a, b) => a - b);
      let start = times[0]!;
      let last = start;
      let n = 0;
      for (const t of times) {
        if (t - last >= 250) {
          expected.push({ user, window_start: start, window_end: last + 250, n });
          start = t;
          n = 0;
        }
        last = t;
        n++;
      }
      expected.push({ user, window_start: start, window_end: last + 250, n });
    }
    expect(canon(rows)).toEqual(canon(expected));
  });

  test("GROUP BY without a window: an upsert changelog whose last row per key is the total", async () => {
    const rows = await runSql(`${table()} SELECT user, SUM(amount) AS total, COUNT(*) AS n FROM events GROUP BY user`);
    expect(rows.length).toBe(EVENTS.length);
    const last = new Map<string, SqlRow>();
    for (const r of rows) {
      expect(r.$op).toBe(last.has(r.user as string) ? "+U" : "+I");
      last.set(r.user as string, r);
    }
    for (const [user, r] of last) {
      const mine = EVENTS.filter((e) => e.user === user);
      expect({ total: r.total, n: r.n }).toEqual({ total: mine.reduce((a, e) => a + e.amount, 0), n: mine.length });
    }
  });

  test("HAVING and expressions over aggregates", async () => {
    const rows = await runSql(`${table()}
      SELECT user, window_start, SUM(amount) * 2 AS twice FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      GROUP BY user, window_start, window_end HAVING COUNT(*) > 19`);
    const expected = tumbleExpected(10_000)
      .filter((g) => g.n > 19)
      .map((g) => ({ user: g.user, window_start: g.window_start, twice: g.total * 2 }));
    expect(expected.length).toBeGreaterThan(0);
    expect(canon(rows)).toEqual(canon(expected));
  });

  test("window Top-N: the 2 largest amounts per 10 s window (ROW_NUMBER)", async () => {
    const rows = await runSql(`${table()}
      SELECT window_start, user, amount, rn FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY amount DESC, ts ASC) AS rn
        FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '10' SECOND))
      ) WHERE rn <= 2`);
    const groups = new Map<number, Event[]>();
    for (const e of EVENTS) groups.set(floorTo(e.ts, 10_000), [...(groups.get(floorTo(e.ts, 10_000)) ?? []), e]);
    const expected = [...groups].flatMap(([start, es]) =>
      [...es]
        .sort((a, b) => b.amount - a.amount || a.ts - b.ts)
        .slice(0, 2)
        .map((e, i) => ({ window_start: start, user: e.user, amount: e.amount, rn: i + 1 })),
    );
    expect(canon(rows)).toEqual(canon(expected));
  });

  test("UNION ALL of two selections", async () => {
    const rows = await runSql(`${table()} SELECT user, amount FROM events WHERE amount < 5 UNION ALL SELECT user, amount FROM events WHERE amount > 90`);
    const expected = EVENTS.filter((e) => e.amount < 5 || e.amount > 90).map((e) => ({ user: e.user, amount: e.amount }));
    expect(canon(rows)).toEqual(canon(expected));
  });

  test("datagen: number-of-rows rows, the same at parallelism 1 and 3, values within their bounds", async () => {
    const ddl = `CREATE TABLE g (id BIGINT, score INT, name VARCHAR) WITH ('connector' = 'datagen', 'number-of-rows' = '1000', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.score.min' = '10', 'fields.score.max' = '20', 'fields.name.length' = '5');`;
    const p1 = await runSql(`${ddl} SELECT * FROM g`, { parallelism: 1 });
    const p3 = await runSql(`${ddl} SELECT * FROM g`, { parallelism: 3 });
    expect(p1.length).toBe(1000);
    expect(canon(p3)).toEqual(canon(p1));
    expect(p1.map((r) => r.id).sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    for (const r of p1) {
      expect(r.score as number).toBeGreaterThanOrEqual(10);
      expect(r.score as number).toBeLessThanOrEqual(20);
      expect(r.name as string).toMatch(/^[a-z0-9]{5}$/);
    }
    expect(new Set(p1.map((r) => r.score)).size).toBe(11);
  });
});

describe("datagen pacing", () => {
  test("'rows-per-second' paces the source in wall-clock time (400 rows at 1000/s take at least ~0.4 s)", async () => {
    const started = performance.now();
    const rows = await runSql(`CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '400', 'rows-per-second' = '1000', 'fields.id.kind' = 'sequence'); SELECT * FROM g`);
    expect(rows.length).toBe(400);
    expect(performance.now() - started).toBeGreaterThan(350);
  });
});

describe("INSERT INTO a file table", () => {
  test("the rows arrive as JSON lines in the sink's part files", async () => {
    const out = join(dir, "out");
    const job = planJob(`${table()}
      CREATE TABLE totals (who VARCHAR, total BIGINT) WITH ('connector' = 'filesystem', 'path' = '${out}', 'format' = 'json');
      INSERT INTO totals SELECT user, SUM(amount) FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '50' SECOND)) GROUP BY user, window_start, window_end`);
    expect(job.plan.nodes.at(-1)!.kind).toBe("sink:file");
    const { executeLocally } = await import("../../src/runtime/index.ts");
    await executeLocally({ plan: job.plan, functions: new Map() });
    const lines = readdirSync(out)
      .filter((f) => !f.startsWith("."))
      .flatMap((f) => readFileSync(join(out, f), "utf8").trim().split("\n"));
    const totals = new Map<string, number>();
    for (const e of EVENTS) {
      const k = `${e.user}@${floorTo(e.ts, 50_000)}`;
      totals.set(k, (totals.get(k) ?? 0) + e.amount);
    }
    expect(canon(lines.map((l) => JSON.parse(l)))).toEqual(canon([...totals].map(([k, total]) => ({ who: k.split("@")[0], total }))));
  });
});
