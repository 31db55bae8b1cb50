/**
 * Unit tests of the SQL expression compiler: every call of ir.ts, NULL handling, three-valued logic,
 * CASE, CAST, and the errors a record can raise.
 */
import { describe, expect, test } from "bun:test";
import { compileExpression, compilePredicate, compileProjection, SqlExecutionError } from "./expression-compiler.ts";
import type { Expr, SqlType } from "./ir.ts";

const col = (name: string, type: SqlType = "BIGINT", nullable = true): Expr => ({ k: "col", name, type, nullable });
const lit = (value: string | number | boolean | null, type?: SqlType): Expr => ({
  k: "lit",
  value,
  type: type ?? (value === null ? "NULL" : typeof value === "number" ? (Number.isInteger(value) ? "BIGINT" : "DOUBLE") : typeof value === "string" ? "VARCHAR" : "BOOLEAN"),
});
const call = (fn: string, args: Expr[], type: SqlType = "BIGINT"): Expr => ({ k: "call", fn, args, type, nullable: true });
const cast = (arg: Expr, type: SqlType): Expr => ({ k: "cast", arg, type, nullable: true });
const NULL = lit(null);
/** Evaluate a call over literal arguments. */
const ev = (fn: string, args: Expr[], type: SqlType = "BIGINT", row: Record<string, unknown> = {}): unknown => compileExpression(call(fn, args, type))(row);
const T = Date.UTC(2024, 1, 29, 13, 4, 5, 7); // Thursday 2024-02-29 13:04:05.007 UTC

describe("columns and literals", () => {
  test("column reads, missing columns read as NULL", () => {
    expect(compileExpression(col("a"))({ a: 3 })).toBe(3);
    expect(compileExpression(col("a"))({})).toBeNull();
    expect(compileExpression(col("we\"ird name"))({ 'we"ird name': "x" })).toBe("x");
    expect(compileExpression(lit("it's \"q\"\n"))({})).toBe("it's \"q\"\n");
    expect(compileExpression(NULL)({})).toBeNull();
  });
  test("non-nullable columns skip the null check", () => {
    expect(compileExpression(call("add", [col("a", "BIGINT", false), lit(1)]))({ a: 1 })).toBe(2);
  });
});

describe("arithmetic", () => {
  test("add sub mul neg, NULL propagation", () => {
    expect(ev("add", [lit(2), lit(3)])).toBe(5);
    expect(ev("sub", [lit(2), lit(3)])).toBe(-1);
    expect(ev("mul", [lit(2), lit(3)])).toBe(6);
    expect(ev("neg", [lit(2)])).toBe(-2);
    expect(ev("add", [lit(2), NULL])).toBeNull();
    expect(ev("neg", [NULL])).toBeNull();
    expect(ev("add", [col("t", "TIMESTAMP"), lit(1000, "INTERVAL")], "TIMESTAMP", { t: T })).toBe(T + 1000);
  });
  test("integer div truncates toward zero, double div does not; mod keeps the dividend's sign", () => {
    expect(ev("div", [lit(7), lit(2)])).toBe(3);
    expect(ev("div", [lit(-7), lit(2)])).toBe(-3);
    expect(ev("div", [lit(7.0, "DOUBLE"), lit(2, "DOUBLE")], "DOUBLE")).toBe(3.5);
    expect(ev("mod", [lit(-7), lit(3)])).toBe(-1);
    expect(ev("mod", [lit(7), lit(-3)])).toBe(1);
    expect(ev("div", [NULL, lit(0)])).toBeNull();
  });
  test("division and MOD by zero fail naming the operation", () => {
    expect(() => ev("div", [lit(1), lit(0)])).toThrow(/division by zero/);
    expect(() => ev("mod", [lit(1), lit(0)])).toThrow(/MOD by zero/);
    expect(() => ev("div", [lit(1), lit(0)])).toThrow(SqlExecutionError);
  });
});

describe("comparison and boolean logic", () => {
  test("comparisons on numbers, strings, booleans; NULL", () => {
    expect(ev("eq", [lit(1), lit(1)], "BOOLEAN")).toBe(true);
    expect(ev("ne", [lit("a"), lit("b")], "BOOLEAN")).toBe(true);
    expect(ev("lt", [lit("B"), lit("a")], "BOOLEAN")).toBe(true);
    expect(ev("le", [lit(2), lit(2)], "BOOLEAN")).toBe(true);
    expect(ev("gt", [lit(true), lit(false)], "BOOLEAN")).toBe(true);
    expect(ev("ge", [lit(1), lit(2)], "BOOLEAN")).toBe(false);
    expect(ev("eq", [lit(1), NULL], "BOOLEAN")).toBeNull();
  });
  test("AND / OR / NOT three-valued truth tables", () => {
    const vals = [lit(true), lit(false), NULL];
    const expected = (fn: "and" | "or", a: boolean | null, b: boolean | null): boolean | null =>
      fn === "and" ? (a === false || b === false ? false : a === null || b === null ? null : true) : a === true || b === true ? true : a === null || b === null ? null : false;
    for (const fn of ["and", "or"] as const) {
      for (const a of vals) for (const b of vals) {
        const av = (a as { value: boolean | null }).value;
        const bv = (b as { value: boolean | null }).value;
        expect(ev(fn, [a, b], "BOOLEAN")).toBe(expected(fn, av, bv));
      }
    }
    expect(ev("and", [lit(true), lit(true), NULL], "BOOLEAN")).toBeNull();
    expect(ev("or", [lit(false), NULL, lit(true)], "BOOLEAN")).toBe(true);
    expect(ev("not", [lit(true)], "BOOLEAN")).toBe(false);
    expect(ev("not", [NULL], "BOOLEAN")).toBeNull();
  });
  test("AND and CASE evaluate lazily", () => {
    const safe = call("and", [call("ne", [col("x"), lit(0)], "BOOLEAN"), call("gt", [call("div", [lit(10), col("x")]), lit(1)], "BOOLEAN")], "BOOLEAN");
    expect(compilePredicate(safe)({ x: 0 })).toBe(false);
    expect(compilePredicate(safe)({ x: 5 })).toBe(true);
  });
  test("IS predicates never return NULL", () => {
    const t: [string, boolean | null, boolean][] = [
      ["is_null", null, true], ["is_null", false, false], ["is_not_null", null, false], ["is_not_null", true, true],
      ["is_true", true, true], ["is_true", null, false], ["is_not_true", null, true], ["is_not_true", true, false],
      ["is_false", false, true], ["is_false", null, false], ["is_not_false", null, true], ["is_not_false", false, false],
    ];
    for (const [fn, v, want] of t) expect(ev(fn, [col("b", "BOOLEAN")], "BOOLEAN", { b: v })).toBe(want);
    expect(ev("is_null", [col("b")], "BOOLEAN", {})).toBe(true);
  });
  test("compilePredicate is true only for TRUE", () => {
    const p = compilePredicate(col("b", "BOOLEAN"));
    expect([p({ b: true }), p({ b: false }), p({ b: null }), p({})]).toEqual([true, false, false, false]);
  });
});

describe("predicates", () => {
  test("LIKE with % _ and escapes, literal and column patterns", () => {
    const like = (v: string | null, p: string | null): unknown => ev("like", [lit(v, "VARCHAR"), lit(p, "VARCHAR")], "BOOLEAN");
    expect(like("hello", "h%o")).toBe(true);
    expect(like("hello", "h_llo")).toBe(true);
    expect(like("hello", "h_lo")).toBe(false);
    expect(like("50%", "50\\%")).toBe(true);
    expect(like("500", "50\\%")).toBe(false);
    expect(like("a.c", "a.c")).toBe(true);
    expect(like("abc", "a.c")).toBe(false);
    expect(like("a\nb", "a%")).toBe(true);
    expect(like(null, "%")).toBeNull();
    expect(ev("like", [col("s", "VARCHAR"), col("p", "VARCHAR")], "BOOLEAN", { s: "xyz", p: "x_z" })).toBe(true);
    expect(ev("like", [col("s", "VARCHAR"), col("p", "VARCHAR")], "BOOLEAN", { s: "xyz", p: null })).toBeNull();
  });
  test("IN (SQL standard: found -> TRUE, else NULL if a candidate is NULL)", () => {
    expect(ev("in", [lit(2), lit(1), lit(2)], "BOOLEAN")).toBe(true);
    expect(ev("in", [lit(3), lit(1), lit(2)], "BOOLEAN")).toBe(false);
    expect(ev("in", [lit(1), lit(1), NULL], "BOOLEAN")).toBe(true);
    expect(ev("in", [lit(3), lit(1), NULL], "BOOLEAN")).toBeNull();
    expect(ev("in", [NULL, lit(1)], "BOOLEAN")).toBeNull();
  });
  test("BETWEEN is inclusive", () => {
    expect(ev("between", [lit(1), lit(1), lit(3)], "BOOLEAN")).toBe(true);
    expect(ev("between", [lit(3), lit(1), lit(3)], "BOOLEAN")).toBe(true);
    expect(ev("between", [lit(4), lit(1), lit(3)], "BOOLEAN")).toBe(false);
    expect(ev("between", [NULL, lit(1), lit(3)], "BOOLEAN")).toBeNull();
    expect(ev("between", [lit(2), NULL, lit(3)], "BOOLEAN")).toBeNull();
  });
});

describe("strings", () => {
  test("concat upper lower trim char_length", () => {
    expect(ev("concat", [lit("a"), lit("b"), lit("c")], "VARCHAR")).toBe("abc");
    expect(ev("concat", [lit("a"), NULL], "VARCHAR")).toBeNull();
    expect(ev("upper", [lit("aB")], "VARCHAR")).toBe("AB");
    expect(ev("lower", [lit("aB")], "VARCHAR")).toBe("ab");
    expect(ev("trim", [lit("  a b \t ")], "VARCHAR")).toBe("a b \t");
    expect(ev("char_length", [lit("héllo")])).toBe(5);
    expect(ev("upper", [NULL], "VARCHAR")).toBeNull();
  });
  test("substring position replace", () => {
    expect(ev("substring", [lit("hello"), lit(2)], "VARCHAR")).toBe("ello");
    expect(ev("substring", [lit("hello"), lit(2), lit(3)], "VARCHAR")).toBe("ell");
    expect(ev("substring", [lit("hello"), lit(0), lit(2)], "VARCHAR")).toBe("h");
    expect(ev("substring", [lit("hello"), lit(9)], "VARCHAR")).toBe("");
    expect(ev("substring", [lit("hello"), NULL], "VARCHAR")).toBeNull();
    expect(ev("position", [lit("ll"), lit("hello")])).toBe(3);
    expect(ev("position", [lit("x"), lit("hello")])).toBe(0);
    expect(ev("replace", [lit("a-b-c"), lit("-"), lit("+")], "VARCHAR")).toBe("a+b+c");
    expect(ev("replace", [lit("a-b"), NULL, lit("+")], "VARCHAR")).toBeNull();
  });
});

describe("numbers", () => {
  test("abs ceil floor sqrt exp ln power", () => {
    expect(ev("abs", [lit(-2)])).toBe(2);
    expect(ev("ceil", [lit(1.2)], "DOUBLE")).toBe(2);
    expect(ev("floor", [lit(-1.2)], "DOUBLE")).toBe(-2);
    expect(ev("sqrt", [lit(9)], "DOUBLE")).toBe(3);
    expect(ev("exp", [lit(0)], "DOUBLE")).toBe(1);
    expect(ev("ln", [lit(1)], "DOUBLE")).toBe(0);
    expect(ev("power", [lit(2), lit(10)], "DOUBLE")).toBe(1024);
    expect(ev("abs", [NULL])).toBeNull();
  });
  test("round is half away from zero, with digits", () => {
    expect(ev("round", [lit(2.5)], "DOUBLE")).toBe(3);
    expect(ev("round", [lit(-2.5)], "DOUBLE")).toBe(-3);
    expect(ev("round", [lit(1.005), lit(2)], "DOUBLE")).toBe(1.01);
    expect(ev("round", [lit(1234), lit(-2)])).toBe(1200);
    expect(ev("round", [lit(1.5), NULL], "DOUBLE")).toBeNull();
  });
});

describe("time", () => {
  test("extract_* in UTC, day of week 1 = Sunday", () => {
    const row = { t: T };
    const x = (fn: string): unknown => ev(fn, [col("t", "TIMESTAMP")], "BIGINT", row);
    expect([x("extract_year"), x("extract_month"), x("extract_day"), x("extract_hour"), x("extract_minute"), x("extract_second"), x("extract_millisecond")]).toEqual([2024, 2, 29, 13, 4, 5, 7]);
    expect(x("extract_dayofweek")).toBe(5);
    expect(ev("extract_dayofweek", [lit(Date.UTC(2024, 2, 3), "TIMESTAMP")])).toBe(1); // a Sunday
    expect(ev("extract_year", [lit(-1, "TIMESTAMP")])).toBe(1969);
    expect(ev("extract_hour", [lit(-1, "TIMESTAMP")])).toBe(23);
    expect(ev("extract_year", [NULL])).toBeNull();
    for (const ms of [0, 951_782_400_000, 4_102_444_800_000 - 1, -86_400_000 * 365 * 30]) {
      const d = new Date(ms);
      expect([ev("extract_year", [lit(ms)]), ev("extract_month", [lit(ms)]), ev("extract_day", [lit(ms)])]).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
    }
  });
  test("date_format with literal and column patterns", () => {
    expect(ev("date_format", [lit(T, "TIMESTAMP"), lit("yyyy-MM-dd HH:mm:ss.SSS")], "VARCHAR")).toBe("2024-02-29 13:04:05.007");
    expect(ev("date_format", [lit(T, "TIMESTAMP"), lit("yyyyMMdd'T'HH")], "VARCHAR")).toBe("20240229T13");
    expect(ev("date_format", [col("t", "TIMESTAMP"), col("p", "VARCHAR")], "VARCHAR", { t: T, p: "yy/MM" })).toBe("24/02");
    expect(ev("date_format", [NULL, lit("yyyy")], "VARCHAR")).toBeNull();
  });
  test("to_timestamp, to_timestamp_ltz, unix_timestamp, current_timestamp", () => {
    expect(ev("to_timestamp", [lit("2024-02-29 13:04:05.007")], "TIMESTAMP")).toBe(T);
    expect(ev("to_timestamp", [lit("2024-02-29T13:04:05.007Z")], "TIMESTAMP")).toBe(T);
    expect(ev("to_timestamp", [lit("2024-02-29T15:04:05.007+02:00")], "TIMESTAMP")).toBe(T);
    expect(ev("to_timestamp", [lit("2024-02-29")], "TIMESTAMP")).toBe(Date.UTC(2024, 1, 29));
    expect(ev("to_timestamp", [lit("2023-02-29")], "TIMESTAMP")).toBeNull();
    expect(ev("to_timestamp", [lit("nope")], "TIMESTAMP")).toBeNull();
    expect(ev("to_timestamp", [NULL], "TIMESTAMP")).toBeNull();
    expect(ev("to_timestamp_ltz", [lit(T)], "TIMESTAMP")).toBe(T);
    expect(ev("unix_timestamp", [lit(T, "TIMESTAMP")])).toBe(Math.floor(T / 1000));
    const now = Date.now();
    expect(ev("current_timestamp", [], "TIMESTAMP") as number).toBeGreaterThanOrEqual(now);
  });
});

describe("other functions", () => {
  test("coalesce nullif greatest least", () => {
    expect(ev("coalesce", [NULL, col("a"), lit(3)], "BIGINT", { a: null })).toBe(3);
    expect(ev("coalesce", [NULL, col("a"), lit(3)], "BIGINT", { a: 2 })).toBe(2);
    expect(ev("coalesce", [NULL, NULL])).toBeNull();
    expect(ev("nullif", [lit(1), lit(1)])).toBeNull();
    expect(ev("nullif", [lit(1), lit(2)])).toBe(1);
    expect(ev("nullif", [lit(1), NULL])).toBe(1);
    expect(ev("greatest", [lit(1), lit(3), lit(2)])).toBe(3);
    expect(ev("greatest", [lit(1), lit(3)])).toBe(3);
    expect(ev("least", [lit("b"), lit("a")], "VARCHAR")).toBe("a");
    expect(ev("least", [lit(4), lit(3), lit(5)])).toBe(3);
    expect(ev("greatest", [lit(1), NULL])).toBeNull();
  });
  test("searched CASE, with and without ELSE", () => {
    const e: Expr = {
      k: "case",
      whens: [
        { when: call("lt", [col("x"), lit(0)], "BOOLEAN"), then: lit("neg") },
        { when: call("eq", [col("x"), lit(0)], "BOOLEAN"), then: lit("zero") },
      ],
      otherwise: lit("pos"),
      type: "VARCHAR",
      nullable: true,
    };
    const f = compileExpression(e);
    expect([f({ x: -1 }), f({ x: 0 }), f({ x: 1 }), f({ x: null })]).toEqual(["neg", "zero", "pos", "pos"]);
    expect(compileExpression({ ...e, otherwise: null })({ x: 1 })).toBeNull();
  });
  test("unknown functions and bad arity are rejected at compile time", () => {
    expect(() => compileExpression(call("nope", []))).toThrow(/unknown SQL function 'nope'/);
    expect(() => compileExpression(call("add", [lit(1)]))).toThrow(/takes 2 arguments/);
  });
});

describe("CAST", () => {
  test("to integers", () => {
    expect(compileExpression(cast(lit(-2.7), "BIGINT"))({})).toBe(-2);
    expect(compileExpression(cast(lit(" 42 "), "INT"))({})).toBe(42);
    expect(compileExpression(cast(lit("1.9"), "INT"))({})).toBe(1);
    expect(compileExpression(cast(lit(true), "INT"))({})).toBe(1);
    expect(() => compileExpression(cast(lit("x1"), "BIGINT"))({})).toThrow(/cannot CAST VARCHAR 'x1' to BIGINT/);
    expect(compileExpression(cast(NULL, "BIGINT"))({})).toBeNull();
    expect(compileExpression(cast(col("s", "VARCHAR"), "BIGINT"))({ s: null })).toBeNull();
  });
  test("to DOUBLE", () => {
    expect(compileExpression(cast(lit("2.5"), "DOUBLE"))({})).toBe(2.5);
    expect(compileExpression(cast(lit(3), "DOUBLE"))({})).toBe(3);
    expect(() => compileExpression(cast(lit("abc"), "DOUBLE"))({})).toThrow(/cannot CAST VARCHAR 'abc' to DOUBLE/);
  });
  test("to VARCHAR", () => {
    expect(compileExpression(cast(lit(1.5), "VARCHAR"))({})).toBe("1.5");
    expect(compileExpression(cast(lit(false), "VARCHAR"))({})).toBe("FALSE");
    expect(compileExpression(cast(lit(T, "TIMESTAMP"), "VARCHAR"))({})).toBe("2024-02-29 13:04:05.007");
  });
  test("to TIMESTAMP and BOOLEAN", () => {
    expect(compileExpression(cast(lit("2024-02-29 13:04:05.007"), "TIMESTAMP"))({})).toBe(T);
    expect(compileExpression(cast(lit(T), "TIMESTAMP"))({})).toBe(T);
    expect(() => compileExpression(cast(lit("yesterday"), "TIMESTAMP"))({})).toThrow(/cannot CAST VARCHAR 'yesterday' to TIMESTAMP/);
    expect(compileExpression(cast(lit("TrUe"), "BOOLEAN"))({})).toBe(true);
    expect(compileExpression(cast(lit("false"), "BOOLEAN"))({})).toBe(false);
    expect(() => compileExpression(cast(lit("yes"), "BOOLEAN"))({})).toThrow(/BOOLEAN/);
  });
});

describe("compileProjection", () => {
  test("builds rows in item order and copies $op when asked", () => {
    const p = compileProjection([{ name: "b", expr: col("b") }, { name: "s", expr: call("add", [col("a"), col("b")]) }], true);
    const row = p({ a: 1, b: 2, $op: "+U" });
    expect(row).toEqual({ b: 2, s: 3, $op: "+U" });
    expect(Object.keys(row)).toEqual(["b", "s", "$op"]);
  });
});
