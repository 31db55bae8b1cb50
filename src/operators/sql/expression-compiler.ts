/**
 * @module operators/sql/expression-compiler
 * Compiles plan-level SQL expressions (ir.ts `Expr`) into JS functions, once per subtask: the tree is
 * turned into JS source and handed to `new Function`, so a record costs one straight-line call and no
 * tree walk. Each column is read once per call (`r["name"] ?? null`); literals are inlined; helpers
 * (LIKE, casts, date formatting, ...) are parameters of the outer function, bound once.
 *
 * Semantics (ir.ts is the contract):
 * - NULL propagates through every call except AND/OR (three-valued), the IS predicates, COALESCE,
 *   CURRENT_TIMESTAMP, and the SQL-standard forms IN, BETWEEN and NULLIF: `1 IN (1, NULL)` is TRUE and
 *   `2 IN (1, NULL)` NULL; `x BETWEEN a AND b` is `x >= a AND x <= b`; `NULLIF(a, NULL)` is `a`.
 * - AND, OR and CASE evaluate lazily, so `x <> 0 AND 10 / x > 1` never divides by zero.
 * - Failures (division or MOD by zero, a bad CAST) throw SqlExecutionError; operators wrap it in a
 *   RecordProcessingFailure naming the record.
 * - Times are UTC epoch milliseconds; calendar fields are computed arithmetically (no Date per call).
 */
import { PlanError } from "../../core/index.ts";
import type { Expr, ProjectionItem, SqlType } from "./ir.ts";
import { OP_COLUMN } from "./ir.ts";
import { compileDatePattern, likeToRegExp, SQL_FUNCTIONS } from "./sql-functions.ts";

export { SqlExecutionError } from "./sql-functions.ts";

/** A row as SQL operators see it: column name -> value. */
export type Row = Record<string, unknown>;

const INTEGER_TYPES: ReadonlySet<SqlType> = new Set<SqlType>(["BIGINT", "INT"]);

const UNARY_MATH: Readonly<Record<string, string>> = {
  abs: "Math.abs",
  sqrt: "Math.sqrt",
  exp: "Math.exp",
  ln: "Math.log",
  ceil: "Math.ceil",
  floor: "Math.floor",
};

const COMPARISONS: Readonly<Record<string, string>> = { eq: "===", ne: "!==", lt: "<", le: "<=", gt: ">", ge: ">=" };

const EXTRACTS: Readonly<Record<string, string>> = {
  extract_year: "year",
  extract_month: "month",
  extract_day: "day",
  extract_hour: "hour",
  extract_minute: "minute",
  extract_second: "second",
  extract_millisecond: "millisecond",
  extract_dayofweek: "dayOfWeek",
};

/** Arity of each call as [min, max]; also the list of supported functions. */
const ARITY: Readonly<Record<string, readonly [number, number]>> = {
  add: [2, 2], sub: [2, 2], mul: [2, 2], div: [2, 2], mod: [2, 2], neg: [1, 1],
  eq: [2, 2], ne: [2, 2], lt: [2, 2], le: [2, 2], gt: [2, 2], ge: [2, 2],
  and: [2, Infinity], or: [2, Infinity], not: [1, 1],
  is_null: [1, 1], is_not_null: [1, 1], is_true: [1, 1], is_not_true: [1, 1], is_false: [1, 1], is_not_false: [1, 1],
  like: [2, 2], in: [1, Infinity], between: [3, 3],
  concat: [1, Infinity], upper: [1, 1], lower: [1, 1], trim: [1, 1], char_length: [1, 1],
  substring: [2, 3], position: [2, 2], replace: [3, 3],
  abs: [1, 1], ceil: [1, 1], floor: [1, 1], sqrt: [1, 1], exp: [1, 1], ln: [1, 1], power: [2, 2], round: [1, 2],
  extract_year: [1, 1], extract_month: [1, 1], extract_day: [1, 1], extract_hour: [1, 1], extract_minute: [1, 1],
  extract_second: [1, 1], extract_millisecond: [1, 1], extract_dayofweek: [1, 1],
  date_format: [2, 2], to_timestamp: [1, 1], to_timestamp_ltz: [1, 1], unix_timestamp: [1, 1], current_timestamp: [0, 0],
  coalesce: [1, Infinity], nullif: [2, 2], greatest: [1, Infinity], least: [1, Infinity],
};

/** Whether an expression can evaluate to NULL (a non-nullable column is trusted to be present). */
function canBeNull(e: Expr): boolean {
  return e.k === "lit" ? e.value === null : e.nullable;
}

/**
 * Builds one function body. `value(e)` appends the statements computing `e` to `out` and returns a
 * JS expression (a local, a column variable or a literal) that holds its value afterwards.
 */
class CodeGen {
  private readonly columns = new Map<string, string>();
  private readonly columnDecls: string[] = [];
  private locals = 0;
  /** Values built at compile time (RegExps, date formatters), read as `K[i]`. */
  readonly constants: unknown[] = [];

  private constant(value: unknown): string {
    this.constants.push(value);
    return `K[${this.constants.length - 1}]`;
  }

  /** Declarations reading every referenced column once. */
  prologue(): string {
    return this.columnDecls.join("\n");
  }

  private local(): string {
    return `v${this.locals++}`;
  }

  value(e: Expr, out: string[]): string {
    switch (e.k) {
      case "lit":
        return e.value === null ? "null" : JSON.stringify(e.value);
      case "col": {
        let v = this.columns.get(e.name);
        if (v === undefined) {
          v = `c${this.columns.size}`;
          this.columns.set(e.name, v);
          this.columnDecls.push(`const ${v} = r[${JSON.stringify(e.name)}]${e.nullable ? " ?? null" : ""};`);
        } else if (e.nullable) {
          // An earlier non-nullable reference declared it raw; nullable reads still see null.
          return `(${v} ?? null)`;
        }
        return v;
      }
      case "cast":
        return this.cast(e.arg, e.type, out);
      case "case":
        return this.caseWhen(e.whens, e.otherwise, out);
      case "call":
        return this.call(e.fn, e.args, e.type, out);
    }
  }

  /** Assign `expr` to a fresh local, NULL if any of `args` (with their values `vals`) is NULL. */
  private strict(args: readonly Expr[], vals: readonly string[], expr: string, out: string[]): string {
    const v = this.local();
    const checks: string[] = [];
    for (let i = 0; i < args.length; i++) if (canBeNull(args[i]!)) checks.push(`${vals[i]} === null`);
    out.push(checks.length === 0 ? `const ${v} = ${expr};` : `const ${v} = ${checks.join(" || ")} ? null : ${expr};`);
    return v;
  }

  private cast(arg: Expr, to: SqlType, out: string[]): string {
    const a = this.value(arg, out);
    const from = arg.type;
    if (from === to || to === "NULL" || from === "NULL") return from === "NULL" ? "null" : a;
    const f = JSON.stringify(from);
    const t = JSON.stringify(to);
    let expr: string;
    switch (to) {
      case "BIGINT":
      case "INT":
        expr = from === "DOUBLE" ? `Math.trunc(${a})` : from === "VARCHAR" || from === "BOOLEAN" ? `H.castToInteger(${a}, ${f}, ${t})` : a;
        break;
      case "DOUBLE":
        expr = from === "VARCHAR" || from === "BOOLEAN" ? `H.castToDouble(${a}, ${f})` : a;
        break;
      case "VARCHAR":
        expr = `H.castToVarchar(${a}, ${f})`;
        break;
      case "TIMESTAMP":
        expr = `H.castToTimestamp(${a}, ${f})`;
        break;
      case "BOOLEAN":
        expr = `H.castToBoolean(${a}, ${f})`;
        break;
      case "INTERVAL":
        expr = from === "DOUBLE" ? `Math.trunc(${a})` : a;
        break;
    }
    return this.strict([arg], [a], expr, out);
  }

  private caseWhen(whens: readonly { readonly when: Expr; readonly then: Expr }[], otherwise: Expr | null, out: string[]): string {
    const v = this.local();
    out.push(`let ${v} = null;`);
    let closers = 0;
    for (const { when, then } of whens) {
      const cond = this.value(when, out);
      out.push(`if (${cond} === true) {`);
      const inner: string[] = [];
      const t = this.value(then, inner);
      out.push(...inner, `${v} = ${t};`, "} else {");
      closers++;
    }
    if (otherwise !== null) {
      const o = this.value(otherwise, out);
      out.push(`${v} = ${o};`);
    }
    out.push("}".repeat(closers));
    return v;
  }

  /** AND / OR with three-valued logic, evaluating operands left to right until the result is known. */
  private connective(isAnd: boolean, args: readonly Expr[], out: string[]): string {
    const v = this.local();
    const decisive = isAnd ? "false" : "true";
    out.push(`let ${v} = ${isAnd ? "true" : "false"};`);
    let closers = 0;
    for (const arg of args) {
      const a = this.value(arg, out);
      out.push(`if (${a} === ${decisive}) { ${v} = ${decisive}; } else {`);
      if (canBeNull(arg)) out.push(`if (${a} === null) ${v} = null;`);
      closers++;
    }
    out.push("}".repeat(closers));
    return v;
  }

  private call(fn: string, args: readonly Expr[], type: SqlType, out: string[]): string {
    const arity = ARITY[fn];
    if (arity === undefined) throw new PlanError(`unknown SQL function '${fn}'`);
    if (args.length < arity[0] || args.length > arity[1]) {
      throw new PlanError(`SQL function '${fn}' takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]}..${arity[1]}`} arguments, got ${args.length}`);
    }
    if (fn === "and" || fn === "or") return this.connective(fn === "and", args, out);
    if (fn === "coalesce") return this.coalesce(args, out);
    const a = args.map((arg) => this.value(arg, out));
    const [x, y, z] = a as [string, string, string];
    switch (fn) {
      case "is_null":
        return `(${x} == null)`;
      case "is_not_null":
        return `(${x} != null)`;
      case "is_true":
        return `(${x} === true)`;
      case "is_not_true":
        return `(${x} !== true)`;
      case "is_false":
        return `(${x} === false)`;
      case "is_not_false":
        return `(${x} !== false)`;
      case "current_timestamp":
        return "H.now()";
      case "in":
        return this.strict(args.slice(0, 1), [x], `H.in(${x}, [${a.slice(1).join(", ")}])`, out);
      case "between":
        return this.connective(true, [ge(args[0]!, args[1]!), le(args[0]!, args[2]!)], out);
      case "nullif":
        return this.strict(args.slice(0, 1), [x], `(${x} === ${y} ? null : ${x})`, out);
    }
    return this.strict(args, a, this.strictCall(fn, a, x, y, z, args, type), out);
  }

  /** JS expression of a NULL-propagating call, given non-NULL operand values. */
  private strictCall(fn: string, a: readonly string[], x: string, y: string, z: string, args: readonly Expr[], type: SqlType): string {
    const cmp = COMPARISONS[fn];
    if (cmp !== undefined) return `(${x} ${cmp} ${y})`;
    const math = UNARY_MATH[fn];
    if (math !== undefined) return INTEGER_TYPES.has(args[0]!.type) && (fn === "ceil" || fn === "floor") ? x : `${math}(${x})`;
    const extract = EXTRACTS[fn];
    if (extract !== undefined) return `H.${extract}(${x})`;
    const isInteger = INTEGER_TYPES.has(type);
    switch (fn) {
      case "add":
        return `(${x} + ${y})`;
      case "sub":
        return `(${x} - ${y})`;
      case "mul":
        return `(${x} * ${y})`;
      case "div":
        return `(${y} === 0 ? H.divZero("division") : ${isInteger ? `Math.trunc(${x} / ${y})` : `${x} / ${y}`})`;
      case "mod":
        return `(${y} === 0 ? H.divZero("MOD") : ${x} % ${y})`;
      case "neg":
        return `(-${x})`;
      case "not":
        return `(!${x})`;
      case "like":
        return args[1]!.k === "lit" ? `${this.constant(likeToRegExp(String(literal(args[1]!))))}.test(${x})` : `H.like(${x}, ${y})`;
      case "concat":
        return `(""${a.map((s) => ` + ${s}`).join("")})`;
      case "upper":
        return `${x}.toUpperCase()`;
      case "lower":
        return `${x}.toLowerCase()`;
      case "trim":
        return `H.trim(${x})`;
      case "char_length":
        return `${x}.length`;
      case "substring":
        return `H.substring(${x}, ${y}, ${a.length === 3 ? z : "undefined"})`;
      case "position":
        return `(${y}.indexOf(${x}) + 1)`;
      case "replace":
        return `${x}.replaceAll(${y}, ${z})`;
      case "power":
        return `Math.pow(${x}, ${y})`;
      case "round":
        return isInteger && (a.length === 1 || (args[1]!.k === "lit" && Number(literal(args[1]!)) >= 0))
          ? x
          : `H.round(${x}, ${a.length === 2 ? y : "0"})`;
      case "date_format":
        return args[1]!.k === "lit" ? `${this.constant(compileDatePattern(String(literal(args[1]!))))}(${x})` : `H.dateFormat(${x}, ${y})`;
      case "to_timestamp":
        return `H.parseTimestamp(String(${x}))`;
      case "to_timestamp_ltz":
        return x;
      case "unix_timestamp":
        return `Math.floor(${x} / 1000)`;
      case "greatest":
        return a.length === 1 ? x : a.length === 2 ? `(${x} >= ${y} ? ${x} : ${y})` : `H.greatest([${a.join(", ")}])`;
      case "least":
        return a.length === 1 ? x : a.length === 2 ? `(${x} <= ${y} ? ${x} : ${y})` : `H.least([${a.join(", ")}])`;
    }
    throw new PlanError(`unknown SQL function '${fn}'`);
  }

  private coalesce(args: readonly Expr[], out: string[]): string {
    const v = this.local();
    out.push(`let ${v} = null;`);
    let closers = 0;
    for (const arg of args) {
      const a = this.value(arg, out);
      if (!canBeNull(arg)) {
        out.push(`${v} = ${a};`);
        break;
      }
      out.push(`if (${a} !== null) { ${v} = ${a}; } else {`);
      closers++;
    }
    out.push("}".repeat(closers));
    return v;
  }
}

function literal(e: Expr): unknown {
  return e.k === "lit" ? e.value : undefined;
}

function ge(a: Expr, b: Expr): Expr {
  return { k: "call", fn: "ge", args: [a, b], type: "BOOLEAN", nullable: canBeNull(a) || canBeNull(b) };
}

function le(a: Expr, b: Expr): Expr {
  return { k: "call", fn: "le", args: [a, b], type: "BOOLEAN", nullable: canBeNull(a) || canBeNull(b) };
}

/** Wrap generated body text into a function of `r`, binding the helpers. */
function build<T>(gen: CodeGen, statements: readonly string[], result: string): (row: Row) => T {
  const source = `"use strict";\nreturn function sqlExpression(r) {\n${gen.prologue()}\n${statements.join("\n")}\nreturn ${result};\n};`;
  const factory = new Function("H", "K", source) as (helpers: typeof SQL_FUNCTIONS, constants: readonly unknown[]) => (row: Row) => T;
  return factory(SQL_FUNCTIONS, gen.constants);
}

/** Compile `expr` once into a function computing its value for a row (NULL is `null`). */
export function compileExpression(expr: Expr): (row: Row) => unknown {
  const gen = new CodeGen();
  const out: string[] = [];
  const v = gen.value(expr, out);
  return build(gen, out, v);
}

/** Compile a condition: the function returns true only when the value is TRUE (NULL and FALSE are false). */
export function compilePredicate(expr: Expr): (row: Row) => boolean {
  const gen = new CodeGen();
  const out: string[] = [];
  const v = gen.value(expr, out);
  return build(gen, out, `${v} === true`);
}

/**
 * Compile a whole projection into one function building the output row as an object literal (one
 * shape for every row). With `copyOp` the input's `$op` column is copied as the last column.
 */
export function compileProjection(items: readonly ProjectionItem[], copyOp: boolean): (row: Row) => Row {
  const gen = new CodeGen();
  const out: string[] = [];
  const fields = items.map((item) => `${JSON.stringify(item.name)}: ${gen.value(item.expr, out)}`);
  if (copyOp) fields.push(`${JSON.stringify(OP_COLUMN)}: r[${JSON.stringify(OP_COLUMN)}]`);
  return build(gen, out, `{ ${fields.join(", ")} }`);
}
