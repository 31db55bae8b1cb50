/**
 * @module sql/binder
 * Name resolution and type checking of expressions: an AST expression in a Scope (the columns
 * visible at that point of the query) becomes a typed IR expression (operators' Expr) or an SqlError
 * at the offending position. Implicit conversions are only the lossless numeric ones (INT -> BIGINT ->
 * DOUBLE) and NULL to anything; everything else needs a CAST, as in Flink.
 *
 * Aggregate calls, legacy group-window functions (TUMBLE_START, ...) and ranking functions are not
 * scalar: the caller passes `hooks` that turn them into column references of the operator computing
 * them, or rejects them where they cannot appear.
 */
import type { Expr, SqlType } from "../operators/index.ts";
import type { AstExpr, Pos } from "./ast.ts";
import { exprPos } from "./cst-to-ast.ts";
import { didYouMean, SqlError } from "./errors.ts";
import { commonType, isInteger, isNumeric, typeName, widerNumeric } from "./types.ts";

/** A column visible in a scope: `qualifier.name` in SQL, `field` in the row object. */
export interface ScopeColumn {
  readonly qualifier: string | null;
  readonly name: string;
  readonly field: string;
  readonly type: SqlType;
  readonly nullable: boolean;
}

export class Scope {
  constructor(readonly columns: readonly ScopeColumn[]) {}

  resolve(parts: readonly string[], pos: Pos): ScopeColumn {
    const name = parts[parts.length - 1]!;
    if (parts.length > 2) throw new SqlError(`column reference '${parts.join(".")}' has too many parts (use column or table.column)`, pos);
    const qualifier = parts.length === 2 ? parts[0]! : null;
    if (qualifier !== null && !this.columns.some((c) => c.qualifier === qualifier)) {
      const known = [...new Set(this.columns.map((c) => c.qualifier).filter((q): q is string => q !== null))];
      throw new SqlError(`unknown table or alias '${qualifier}'${didYouMean(qualifier, known)}`, pos);
    }
    const matches = this.columns.filter((c) => c.name === name && (qualifier === null || c.qualifier === qualifier));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new SqlError(`column '${name}' is ambiguous: it is in ${matches.map((m) => m.qualifier ?? "?").join(" and ")}; qualify it, e.g. ${matches[0]!.qualifier}.${name}`, pos);
    }
    const candidates = this.columns.filter((c) => qualifier === null || c.qualifier === qualifier).map((c) => c.name);
    throw new SqlError(`unknown column '${parts.join(".")}'${didYouMean(name, candidates)}`, pos);
  }

  tryResolve(parts: readonly string[]): ScopeColumn | null {
    const name = parts[parts.length - 1]!;
    const qualifier = parts.length === 2 ? parts[0]! : null;
    const matches = this.columns.filter((c) => c.name === name && (qualifier === null || c.qualifier === qualifier));
    return matches.length === 1 ? matches[0]! : null;
  }
}

/** What the caller does with calls that are not scalar functions. Returning null means "not handled". */
export interface BindHooks {
  aggregate?(call: Extract<AstExpr, { k: "call" }>, bindArg: (e: AstExpr) => Expr): Expr;
  groupWindow?(call: Extract<AstExpr, { k: "call" }>): Expr | null;
  rank?(call: Extract<AstExpr, { k: "call" }>): Expr;
}

export const AGGREGATE_FUNCTIONS = new Set(["COUNT", "SUM", "MIN", "MAX", "AVG"]);
export const RANKING_FUNCTIONS = new Set(["ROW_NUMBER", "RANK", "DENSE_RANK"]);
export const GROUP_WINDOW_FUNCTIONS = new Set(["TUMBLE", "HOP", "SESSION"]);
export const GROUP_WINDOW_PROPERTIES = new Set(["TUMBLE_START", "TUMBLE_END", "HOP_START", "HOP_END", "SESSION_START", "SESSION_END", "TUMBLE_ROWTIME", "HOP_ROWTIME", "SESSION_ROWTIME"]);

const lit = (value: string | number | boolean | null, type: SqlType): Expr => ({ k: "lit", value, type });
const call = (fn: string, args: readonly Expr[], type: SqlType, nullable = args.some(nullableOf)): Expr => ({ k: "call", fn, args, type, nullable });

export function nullableOf(e: Expr): boolean {
  return e.k === "lit" ? e.value === null : e.nullable;
}

/** The boolean-typed check every WHERE/HAVING/ON/CASE condition passes. */
export function requireBoolean(e: Expr, what: string, pos: Pos): Expr {
  if (e.type !== "BOOLEAN" && e.type !== "NULL") throw new SqlError(`${what} must be BOOLEAN, but it is ${typeName(e.type)}`, pos);
  return e;
}

/** Convert `e` to `to` when that is an implicit (lossless) conversion; numeric widening is free in JS. */
function coerceTo(e: Expr, to: SqlType): Expr {
  if (e.type === to || e.type === "NULL") return e.type === "NULL" ? { ...e, type: to } as Expr : e;
  if (isNumeric(e.type) && isNumeric(to)) return { ...e, type: to } as Expr; // numbers are JS numbers
  return e;
}

export class Binder {
  constructor(
    private readonly scope: Scope,
    private readonly hooks: BindHooks = {},
  ) {}

  bind(e: AstExpr): Expr {
    switch (e.k) {
      case "lit":
        if (e.value === null) return lit(null, "NULL");
        if (typeof e.value === "number") return lit(e.value, e.integer ? (Math.abs(e.value) <= 2147483647 ? "INT" : "BIGINT") : "DOUBLE");
        return lit(e.value, typeof e.value === "boolean" ? "BOOLEAN" : "VARCHAR");
      case "interval":
        return lit(e.ms, "INTERVAL");
      case "col": {
        if (e.parts.length === 1 && /^(CURRENT_TIMESTAMP|LOCALTIMESTAMP)$/i.test(e.parts[0]!) && this.scope.tryResolve(e.parts) === null) {
          return call("current_timestamp", [], "TIMESTAMP", false);
        }
        const c = this.scope.resolve(e.parts, e.pos);
        return { k: "col", name: c.field, type: c.type, nullable: c.nullable };
      }
      case "neg": {
        const arg = this.bind(e.arg);
        if (!isNumeric(arg.type) && arg.type !== "INTERVAL" && arg.type !== "NULL") throw new SqlError(`cannot negate a ${typeName(arg.type)}`, e.pos);
        return call("neg", [arg], arg.type);
      }
      case "not":
        return call("not", [requireBoolean(this.bind(e.arg), "the operand of NOT", e.pos)], "BOOLEAN");
      case "binary":
        return this.binary(e);
      case "is": {
        const arg = this.bind(e.arg);
        if (e.test !== "NULL") requireBoolean(arg, `the operand of IS ${e.negated ? "NOT " : ""}${e.test}`, e.pos);
        const fn = `is_${e.negated ? "not_" : ""}${e.test === "NULL" ? "null" : e.test === "TRUE" ? "true" : "false"}`;
        return call(fn, [arg], "BOOLEAN", false);
      }
      case "like": {
        const arg = this.bind(e.arg);
        const pattern = this.bind(e.pattern);
        for (const [x, what] of [[arg, "LIKE operand"], [pattern, "LIKE pattern"]] as const) {
          if (x.type !== "VARCHAR" && x.type !== "NULL") throw new SqlError(`the ${what} must be VARCHAR, but it is ${typeName(x.type)}`, e.pos);
        }
        const like = call("like", [arg, pattern], "BOOLEAN");
        return e.negated ? call("not", [like], "BOOLEAN") : like;
      }
      case "in": {
        const arg = this.bind(e.arg);
        let type = arg.type;
        const values = e.values.map((v) => {
          const b = this.bind(v);
          const t = commonType(type, b.type);
          if (t === null) throw new SqlError(`IN list value of type ${typeName(b.type)} cannot be compared with ${typeName(arg.type)}`, exprPos(v));
          type = t;
          return b;
        });
        const r = call("in", [coerceTo(arg, type), ...values.map((v) => coerceTo(v, type))], "BOOLEAN");
        return e.negated ? call("not", [r], "BOOLEAN") : r;
      }
      case "between": {
        const arg = this.bind(e.arg);
        const low = this.bind(e.low);
        const high = this.bind(e.high);
        let type: SqlType | null = commonType(arg.type, low.type);
        if (type !== null) type = commonType(type, high.type);
        if (type === null || !isComparable(type)) throw new SqlError(`BETWEEN needs comparable operands, got ${typeName(arg.type)}, ${typeName(low.type)} and ${typeName(high.type)}`, e.pos);
        const r = call("between", [arg, low, high].map((x) => coerceTo(x, type)), "BOOLEAN");
        return e.negated ? call("not", [r], "BOOLEAN") : r;
      }
      case "case":
        return this.caseExpr(e);
      case "cast":
        return this.cast(e);
      case "call":
        return this.call(e);
    }
  }

  private binary(e: Extract<AstExpr, { k: "binary" }>): Expr {
    const left = this.bind(e.left);
    const right = this.bind(e.right);
    const bad = (what: string): never => {
      throw new SqlError(`cannot apply '${e.op}' to ${typeName(left.type)} and ${typeName(right.type)}${what}`, e.pos);
    };
    switch (e.op) {
      case "AND":
      case "OR":
        requireBoolean(left, `the left operand of ${e.op}`, exprPos(e.left));
        requireBoolean(right, `the right operand of ${e.op}`, exprPos(e.right));
        // flatten chains so the compiler emits one n-ary expression
        return call(e.op === "AND" ? "and" : "or", [...flatten(left, e.op), ...flatten(right, e.op)], "BOOLEAN");
      case "||":
        if ((left.type !== "VARCHAR" && left.type !== "NULL") || (right.type !== "VARCHAR" && right.type !== "NULL")) bad(" (|| concatenates VARCHARs; CAST other types)");
        return call("concat", [left, right], "VARCHAR");
      case "+":
      case "-": {
        const fn = e.op === "+" ? "add" : "sub";
        if (left.type === "TIMESTAMP" && (right.type === "INTERVAL" || right.type === "NULL")) return call(fn, [left, right], "TIMESTAMP");
        if (e.op === "+" && left.type === "INTERVAL" && right.type === "TIMESTAMP") return call(fn, [right, left], "TIMESTAMP");
        if (left.type === "INTERVAL" && right.type === "INTERVAL") return call(fn, [left, right], "INTERVAL");
        return this.arithmetic(fn, left, right, bad);
      }
      case "*":
        return this.arithmetic("mul", left, right, bad);
      case "/":
        return this.arithmetic("div", left, right, bad);
      case "%":
        return this.arithmetic("mod", left, right, bad);
      default: {
        const type = commonType(left.type, right.type);
        if (type === null || (!isComparable(type) && type !== "BOOLEAN")) bad("");
        const fn = { "=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge" }[e.op];
        return call(fn, [coerceTo(left, type!), coerceTo(right, type!)], "BOOLEAN");
      }
    }
  }

  private arithmetic(fn: string, left: Expr, right: Expr, bad: (what: string) => never): Expr {
    const l = left.type === "NULL" ? right.type : left.type;
    const r = right.type === "NULL" ? left.type : right.type;
    if (!isNumeric(l) || !isNumeric(r)) bad("");
    if (fn === "mod" && (!isInteger(l) || !isInteger(r))) bad(" (MOD and % need integer operands)");
    const type = widerNumeric(l, r);
    return call(fn, [coerceTo(left, type), coerceTo(right, type)], type);
  }

  private caseExpr(e: Extract<AstExpr, { k: "case" }>): Expr {
    const operand = e.operand === null ? null : this.bind(e.operand);
    const whens = e.whens.map((w) => {
      let when = this.bind(w.when);
      if (operand !== null) {
        const t = commonType(operand.type, when.type);
        if (t === null) throw new SqlError(`CASE operand ${typeName(operand.type)} cannot be compared with WHEN value ${typeName(when.type)}`, exprPos(w.when));
        when = call("eq", [coerceTo(operand, t), coerceTo(when, t)], "BOOLEAN");
      } else requireBoolean(when, "a WHEN condition", exprPos(w.when));
      return { when, then: this.bind(w.then) };
    });
    const otherwise = e.otherwise === null ? null : this.bind(e.otherwise);
    let type: SqlType = "NULL";
    for (const r of [...whens.map((w) => w.then), ...(otherwise === null ? [] : [otherwise])]) {
      const t = commonType(type, r.type);
      if (t === null) throw new SqlError(`CASE results have incompatible types ${typeName(type)} and ${typeName(r.type)}`, e.pos);
      type = t;
    }
    const nullable = otherwise === null || nullableOf(otherwise) || whens.some((w) => nullableOf(w.then));
    return { k: "case", whens: whens.map((w) => ({ when: w.when, then: coerceTo(w.then, type) })), otherwise: otherwise === null ? null : coerceTo(otherwise, type), type, nullable };
  }

  private cast(e: Extract<AstExpr, { k: "cast" }>): Expr {
    const arg = this.bind(e.arg);
    const to = e.type;
    const from = arg.type;
    const ok =
      from === to ||
      from === "NULL" ||
      to === "VARCHAR" ||
      (isNumeric(from) && isNumeric(to)) ||
      from === "VARCHAR" ||
      (to === "TIMESTAMP" && isInteger(from)) ||
      (from === "TIMESTAMP" && isInteger(to)) ||
      (from === "BOOLEAN" && isNumeric(to)) ||
      (isNumeric(from) && to === "BOOLEAN");
    if (!ok) throw new SqlError(`cannot CAST ${typeName(from)} to ${typeName(to)}`, e.pos);
    return { k: "cast", arg, type: to, nullable: nullableOf(arg) };
  }

  private call(e: Extract<AstExpr, { k: "call" }>): Expr {
    const name = e.name;
    if (e.over !== null || RANKING_FUNCTIONS.has(name)) {
      if (!RANKING_FUNCTIONS.has(name) || e.over === null) throw new SqlError(`${name}() OVER (...) is not supported: only ROW_NUMBER(), RANK() and DENSE_RANK() OVER (PARTITION BY window_start, window_end ... ORDER BY ...) (window Top-N)`, e.pos);
      if (this.hooks.rank === undefined) throw new SqlError(`${name}() OVER (...) can only be a column of a SELECT whose rows an outer query filters by rank (window Top-N)`, e.pos);
      return this.hooks.rank(e);
    }
    if (AGGREGATE_FUNCTIONS.has(name)) {
      if (this.hooks.aggregate === undefined) throw new SqlError(`aggregate ${name}() is not allowed here (only in the SELECT list or HAVING of a query with GROUP BY or aggregates)`, e.pos);
      return this.hooks.aggregate(e, (a) => this.bind(a));
    }
    if (GROUP_WINDOW_PROPERTIES.has(name) || GROUP_WINDOW_FUNCTIONS.has(name)) {
      const r = this.hooks.groupWindow?.(e) ?? null;
      if (r === null) throw new SqlError(`${name}(...) is only allowed with GROUP BY ${name.replace(/_.*/, "")}(time_column, ...) (or use the window table functions: FROM TABLE(${name.replace(/_.*/, "")}(TABLE t, DESCRIPTOR(time_column), ...)))`, e.pos);
      return r;
    }
    if (e.star || e.distinct) throw new SqlError(`${name}(${e.star ? "*" : "DISTINCT ..."}) is only valid for COUNT`, e.pos);
    const args = e.args.map((a) => this.bind(a));
    return scalarFunction(name, args, e);
  }
}

function isComparable(t: SqlType): boolean {
  return isNumeric(t) || t === "VARCHAR" || t === "TIMESTAMP" || t === "BOOLEAN" || t === "INTERVAL" || t === "NULL";
}

function flatten(e: Expr, op: "AND" | "OR"): Expr[] {
  return e.k === "call" && e.fn === (op === "AND" ? "and" : "or") ? [...e.args] : [e];
}

type Sig = { readonly args: readonly (SqlType | "num" | "int" | "any")[]; readonly optional?: number; readonly result: SqlType | "arg0" | "common" };

/** Scalar functions: SQL name -> IR function and signature. */
const FUNCTIONS: Readonly<Record<string, { readonly fn: string } & Sig>> = {
  UPPER: { fn: "upper", args: ["VARCHAR"], result: "VARCHAR" },
  LOWER: { fn: "lower", args: ["VARCHAR"], result: "VARCHAR" },
  TRIM: { fn: "trim", args: ["VARCHAR"], result: "VARCHAR" },
  CHAR_LENGTH: { fn: "char_length", args: ["VARCHAR"], result: "INT" },
  CHARACTER_LENGTH: { fn: "char_length", args: ["VARCHAR"], result: "INT" },
  SUBSTRING: { fn: "substring", args: ["VARCHAR", "int", "int"], optional: 1, result: "VARCHAR" },
  SUBSTR: { fn: "substring", args: ["VARCHAR", "int", "int"], optional: 1, result: "VARCHAR" },
  LOCATE: { fn: "position", args: ["VARCHAR", "VARCHAR"], result: "INT" },
  REPLACE: { fn: "replace", args: ["VARCHAR", "VARCHAR", "VARCHAR"], result: "VARCHAR" },
  ABS: { fn: "abs", args: ["num"], result: "arg0" },
  CEIL: { fn: "ceil", args: ["num"], result: "arg0" },
  CEILING: { fn: "ceil", args: ["num"], result: "arg0" },
  FLOOR: { fn: "floor", args: ["num"], result: "arg0" },
  SQRT: { fn: "sqrt", args: ["num"], result: "DOUBLE" },
  EXP: { fn: "exp", args: ["num"], result: "DOUBLE" },
  LN: { fn: "ln", args: ["num"], result: "DOUBLE" },
  POWER: { fn: "power", args: ["num", "num"], result: "DOUBLE" },
  ROUND: { fn: "round", args: ["num", "int"], optional: 1, result: "arg0" },
  MOD: { fn: "mod", args: ["int", "int"], result: "common" },
  YEAR: { fn: "extract_year", args: ["TIMESTAMP"], result: "BIGINT" },
  MONTH: { fn: "extract_month", args: ["TIMESTAMP"], result: "BIGINT" },
  DAYOFMONTH: { fn: "extract_day", args: ["TIMESTAMP"], result: "BIGINT" },
  HOUR: { fn: "extract_hour", args: ["TIMESTAMP"], result: "BIGINT" },
  MINUTE: { fn: "extract_minute", args: ["TIMESTAMP"], result: "BIGINT" },
  SECOND: { fn: "extract_second", args: ["TIMESTAMP"], result: "BIGINT" },
  DAYOFWEEK: { fn: "extract_dayofweek", args: ["TIMESTAMP"], result: "BIGINT" },
  DATE_FORMAT: { fn: "date_format", args: ["TIMESTAMP", "VARCHAR"], result: "VARCHAR" },
  TO_TIMESTAMP: { fn: "to_timestamp", args: ["VARCHAR"], result: "TIMESTAMP" },
  TO_TIMESTAMP_LTZ: { fn: "to_timestamp_ltz", args: ["int", "int"], optional: 1, result: "TIMESTAMP" },
  UNIX_TIMESTAMP: { fn: "unix_timestamp", args: ["TIMESTAMP"], result: "BIGINT" },
  NOW: { fn: "current_timestamp", args: [], result: "TIMESTAMP" },
  NULLIF: { fn: "nullif", args: ["any", "any"], result: "arg0" },
};

function scalarFunction(name: string, args: Expr[], e: Extract<AstExpr, { k: "call" }>): Expr {
  if (name === "COALESCE" || name === "GREATEST" || name === "LEAST" || name === "CONCAT") {
    if (args.length === 0) throw new SqlError(`${name}() needs at least one argument`, e.pos);
    let type = "NULL" as SqlType;
    args.forEach((a, i) => {
      const t = commonType(type, a.type);
      if (t === null) throw new SqlError(`${name}() argument ${i + 1} is ${typeName(a.type)}, which does not match ${typeName(type)}`, exprPos(e.args[i]!));
      type = t;
    });
    if (name === "CONCAT" && type !== "VARCHAR" && type !== "NULL") throw new SqlError(`CONCAT() takes VARCHAR arguments, got ${typeName(type)}`, e.pos);
    const coerced = args.map((a) => coerceTo(a, type));
    if (name === "COALESCE") return call("coalesce", coerced, type, coerced.every(nullableOf));
    return call(name.toLowerCase(), coerced, type);
  }
  const f = FUNCTIONS[name];
  if (f === undefined) {
    const known = [...Object.keys(FUNCTIONS), "COALESCE", "GREATEST", "LEAST", "CONCAT", ...AGGREGATE_FUNCTIONS];
    throw new SqlError(`unknown function ${name}()${didYouMean(name, known)}`, e.pos);
  }
  const min = f.args.length - (f.optional ?? 0);
  if (args.length < min || args.length > f.args.length) {
    const arity = min === f.args.length ? `${min}` : `${min} to ${f.args.length}`;
    throw new SqlError(`${name}() takes ${arity} argument${f.args.length === 1 ? "" : "s"}, got ${args.length}`, e.pos);
  }
  args.forEach((a, i) => {
    const want = f.args[i]!;
    const ok = a.type === "NULL" || want === "any" || (want === "num" ? isNumeric(a.type) : want === "int" ? isInteger(a.type) : a.type === want);
    if (!ok) {
      const wanted = want === "num" ? "a number" : want === "int" ? "an integer" : typeName(want as SqlType);
      throw new SqlError(`${name}() argument ${i + 1} must be ${wanted}, but it is ${typeName(a.type)}`, exprPos(e.args[i]!));
    }
  });
  let result: SqlType;
  if (f.result === "arg0") result = args[0]!.type === "NULL" ? "NULL" : args[0]!.type;
  else if (f.result === "common") result = widerNumeric(args[0]!.type, args[1]!.type);
  else result = f.result;
  if (f.fn === "to_timestamp_ltz" && args.length === 2 && !(args[1]!.k === "lit" && args[1]!.value === 3)) {
    throw new SqlError(`TO_TIMESTAMP_LTZ(value, precision) supports precision 3 (epoch milliseconds) only`, exprPos(e.args[1]!));
  }
  const irArgs = f.fn === "to_timestamp_ltz" ? args.slice(0, 1) : args;
  const nullable = f.fn === "current_timestamp" ? false : f.fn === "nullif" ? true : f.fn === "to_timestamp" ? true : irArgs.some(nullableOf);
  return call(f.fn, irArgs, result, nullable);
}
