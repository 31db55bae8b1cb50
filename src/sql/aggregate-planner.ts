/**
 * @module sql/aggregate-planner
 * GROUP BY and aggregates -> plan nodes. The GROUP BY decides the operator:
 * - the window_start and window_end of a window TVF, or a legacy `GROUP BY TUMBLE(ts, ...)` -> a
 *   `window` node (the API's window operator) with the TVF's assigner and an SQL aggregate, reading the
 *   TVF's input directly (no row copies per window);
 * - the bounds of rows already windowed (a window aggregation over a window aggregation, Nexmark q5)
 *   -> a `window` node over 1 ms tumbling windows of the rows' timestamps, which are `window_end - 1`,
 *   keyed by the bounds, so each group fires once the watermark passes its window's end;
 * - anything else -> `sql:group-agg`, an updating (upsert) changelog.
 * Group keys that are not plain columns (and WHERE) are computed by a `sql:calc` before the keyed
 * exchange. The SELECT list and HAVING are bound over the FROM scope, then every sub-expression equal to
 * a group key is replaced by the key's column, and a column left over is an error naming it.
 */
import type { AggregateCall, Expr, ProjectionItem, SqlWindowAggregateSpec, WindowAssignerSpec } from "../operators/index.ts";
import { tumbling } from "../operators/index.ts";
import type { AstExpr, Pos, Select } from "./ast.ts";
import { Binder, GROUP_WINDOW_FUNCTIONS, nullableOf, requireBoolean, Scope, type BindHooks } from "./binder.ts";
import { exprPos } from "./cst-to-ast.ts";
import { SqlError } from "./errors.ts";
import { containsAggregate, findColumnPos, referencesAny, replaceKeys, strayColumn } from "./expr-walk.ts";
import type { QueryPlanner } from "./query-planner.ts";
import { colRef, column, derivedName, NameSet, scopeOf, type RelColumn, type Relation } from "./relation.ts";
import { isNumeric, typeName } from "./types.ts";
import { describeWindow, intervalArg, toAssigner, WINDOW_END, WINDOW_START, WINDOW_TIME } from "./windows.ts";

type CallAst = Extract<AstExpr, { k: "call" }>;


export function planAggregate(p: QueryPlanner, s: Select, fromRel: Relation, where: AstExpr | null): Relation {
  if (fromRel.updating) throw new SqlError("aggregating an updating result (the output of GROUP BY without a window) is not supported", s.pos);
  const fromScope = scopeOf(fromRel);
  const whereExpr = where === null ? null : requireBoolean(new Binder(fromScope).bind(where), "WHERE", exprPos(where));

  // GROUP BY: plain keys, and at most one window (TVF bounds or a legacy TUMBLE(ts, ...) call)
  let legacy: { assigner: WindowAssignerSpec; call: CallAst } | null = null;
  const keys: { expr: Expr; ast: AstExpr }[] = [];
  const groupAsts: AstExpr[] = s.distinct ? s.items.map((it) => (it.k === "star" ? throwStar(it.pos) : it.expr)) : [...s.groupBy];
  if (s.distinct && s.groupBy.length > 0) throw new SqlError("SELECT DISTINCT with GROUP BY is not supported", s.pos);
  for (const g of groupAsts) {
    if (g.k === "call" && GROUP_WINDOW_FUNCTIONS.has(g.name)) {
      if (legacy !== null) throw new SqlError("only one group window per GROUP BY", g.pos);
      legacy = { assigner: legacyWindow(g, fromRel), call: g };
      continue;
    }
    keys.push({ expr: new Binder(fromScope).bind(g), ast: g });
  }

  // Which kind of window, if any
  const isCol = (e: Expr, field: string): boolean => e.k === "col" && e.name === field;
  const win = fromRel.window;
  const hasStart = win !== null && keys.some((k) => isCol(k.expr, win.start));
  const hasEnd = win !== null && keys.some((k) => isCol(k.expr, win.end));
  if (hasStart !== hasEnd) throw new SqlError(`GROUP BY must name both ${win!.start} and ${win!.end} of the window (or neither)`, s.pos);
  let mode: "tvf" | "legacy" | "cascade" | "none" = "none";
  if (legacy !== null) {
    if (fromRel.tvf !== undefined) throw new SqlError("GROUP BY TUMBLE(...) cannot be combined with a window table function", legacy.call.pos);
    mode = "legacy";
  } else if (hasStart && fromRel.tvf !== undefined) mode = "tvf";
  else if (hasStart) mode = "cascade";
  if (fromRel.tvf !== undefined && mode !== "tvf" && fromRel.tvf.assigner.type === "session") {
    throw new SqlError("SESSION windows need GROUP BY window_start, window_end", s.pos);
  }

  // The rows entering the aggregation: the TVF's input (its assigner runs in the window node) or the
  // materialised relation, filtered by WHERE. Group keys that are not plain columns are computed here.
  const base = mode === "tvf" ? fromRel.tvf!.input : p.materialize(fromRel, s.pos);
  const windowKeyFields = mode === "tvf" && win !== null ? new Set([win.start, win.end, WINDOW_TIME]) : new Set<string>();
  if (mode === "tvf") {
    for (const k of keys) {
      if (k.expr.k === "col" && k.expr.name === WINDOW_TIME) throw new SqlError("GROUP BY window_time is not supported; group by window_start, window_end", exprPos(k.ast));
    }
    if (whereExpr !== null && referencesAny(whereExpr, windowKeyFields)) throw new SqlError("WHERE on window_start/window_end before the aggregation is not supported; filter in HAVING", exprPos(where!));
  }
  const plainKeys = keys.filter((k) => !(k.expr.k === "col" && windowKeyFields.has(k.expr.name)));
  const needsPreCalc = whereExpr !== null || plainKeys.some((k) => k.expr.k !== "col") || plainKeys.length === 0;
  let input = base;
  const keyFields: string[] = [];
  const groupBy: ProjectionItem[] = [];
  if (needsPreCalc) {
    const items: ProjectionItem[] = base.columns.map((c) => ({ name: c.field, expr: colRef(c) }));
    plainKeys.forEach((k, i) => {
      if (k.expr.k === "col") keyFields.push(k.expr.name);
      else {
        const name = `$g${i}`;
        items.push({ name, expr: k.expr });
        keyFields.push(name);
      }
    });
    if (plainKeys.length === 0) {
      items.push({ name: "$all", expr: { k: "lit", value: 0, type: "INT" } });
      keyFields.push("$all");
    }
    input = { ...p.project(base, items, whereExpr), rowtime: base.rowtime, window: base.window };
  } else {
    for (const k of plainKeys) keyFields.push((k.expr as { name: string }).name);
  }
  plainKeys.forEach((k, i) => {
    groupBy.push({ name: keyFields[i]!, expr: { k: "col", name: keyFields[i]!, type: k.expr.type, nullable: nullableOf(k.expr) } });
  });

  // Aggregate calls of the SELECT list and HAVING, bound over the aggregation's input
  const aggregates: AggregateCall[] = [];
  const inputScope = new Scope(input.columns.length > 0 ? withFields(fromRel, input) : input.columns);
  const windowFields = mode === "none" ? null : mode === "cascade" ? { start: "$ws", end: "$we" } : { start: WINDOW_START, end: WINDOW_END };
  const hooks: BindHooks = {
    aggregate: (c, _bindArg) => aggregateCall(c, new Binder(inputScope), aggregates),
    groupWindow: (c) => {
      if (mode !== "legacy" || windowFields === null) return null;
      const prefix = legacy!.call.name;
      if (!c.name.startsWith(`${prefix}_`)) throw new SqlError(`${c.name}() does not match the GROUP BY window ${prefix}(...)`, c.pos);
      const which = c.name.slice(prefix.length + 1);
      if (which === "START") return { k: "col", name: windowFields.start, type: "TIMESTAMP", nullable: false };
      if (which === "END") return { k: "col", name: windowFields.end, type: "TIMESTAMP", nullable: false };
      return { k: "call", fn: "sub", args: [{ k: "col", name: windowFields.end, type: "TIMESTAMP", nullable: false }, { k: "lit", value: 1, type: "INTERVAL" }], type: "TIMESTAMP", nullable: false };
    },
  };
  // SELECT items and HAVING are bound over the FROM scope; afterwards, sub-expressions equal to a group
  // key are replaced by that key's output column, and any column left over is an error.
  const outerBinder = new Binder(fromScope, hooks);
  const keyReplacements = keys.map((k) => {
    const isWindowKey = k.expr.k === "col" && windowKeyFields.has(k.expr.name);
    const plainIndex = plainKeys.indexOf(k);
    const field = isWindowKey ? (k.expr as { name: string }).name : keyFields[plainIndex]!;
    return { json: JSON.stringify(k.expr), ref: { k: "col", name: field, type: k.expr.type, nullable: nullableOf(k.expr) } as Expr };
  });
  const available = new Set<string>([...keyReplacements.map((r) => (r.ref as { name: string }).name), ...(windowFields === null ? [] : [windowFields.start, windowFields.end])]);
  const finish = (e: Expr, ast: AstExpr): Expr => {
    const replaced = replaceKeys(e, keyReplacements, aggregates);
    const stray = strayColumn(replaced, available, aggregates);
    if (stray !== null) {
      const name = fromRel.columns.find((c) => c.field === stray)?.name ?? stray;
      throw new SqlError(`column '${name}' must be in GROUP BY or inside an aggregate function`, findColumnPos(ast, name) ?? exprPos(ast));
    }
    return replaced;
  };
  const names = new NameSet();
  const items: ProjectionItem[] = s.items.map((item, i) => {
    if (item.k === "star") throw new SqlError("SELECT * is not allowed with GROUP BY; list the group keys and aggregates", item.pos);
    return { name: names.take(item.alias ?? derivedName(item.expr, i)), expr: finish(outerBinder.bind(item.expr), item.expr) };
  });
  const having = s.having === null ? null : finish(requireBoolean(outerBinder.bind(s.having), "HAVING", exprPos(s.having)), s.having);

  // The aggregation node
  let aggNode: string;
  let updating = false;
  if (mode === "none") {
    const config = { groupBy, aggregates };
    aggNode = p.writer.add("sql:group-agg", `GroupAggregate(${keyFields.join(", ")})`, config as unknown as Record<string, unknown>, { keyFields });
    updating = true;
  } else {
    const assigner: WindowAssignerSpec = mode === "tvf" ? fromRel.tvf!.assigner : mode === "legacy" ? legacy!.assigner : tumbling(1);
    const aggregate: SqlWindowAggregateSpec = { type: "sql", groupBy, aggregates, windowStart: windowFields!.start, windowEnd: windowFields!.end };
    const config = { assigner, allowedLatenessMs: 0, lateOutputTag: null, aggregate };
    aggNode = p.writer.add("window", `WindowAggregate(${describeWindow(assigner, mode)})`, config as unknown as Record<string, unknown>, { keyFields });
  }
  p.writer.connect(input.node, aggNode);
  const aggColumns: RelColumn[] = [
    ...groupBy.map((g) => column(g.name, g.expr.type, nullableOf(g.expr), null)),
    ...(windowFields === null ? [] : [column(windowFields.start, "TIMESTAMP", false, null), column(windowFields.end, "TIMESTAMP", false, null)]),
    ...aggregates.map((a) => column(a.name, a.type, a.fn !== "count" && a.fn !== "count_star", null)),
  ];
  const aggRel: Relation = {
    node: aggNode,
    columns: aggColumns,
    updating,
    rowtime: null,
    window: mode === "none" ? null : mode === "cascade" ? win : { start: WINDOW_START, end: WINDOW_END },
  };
  return p.project(aggRel, items, having);
}

function aggregateCall(c: CallAst, binder: Binder, aggregates: AggregateCall[]): Expr {
  if (c.over !== null) throw new SqlError(`${c.name}(...) OVER (...) is not supported; use GROUP BY`, c.pos);
  let call: AggregateCall;
  const name = `$a${aggregates.length}`;
  if (c.star) {
    if (c.name !== "COUNT") throw new SqlError(`${c.name}(*) is not valid; only COUNT(*)`, c.pos);
    call = { fn: "count_star", arg: null, distinct: false, name, type: "BIGINT" };
  } else {
    if (c.args.length !== 1) throw new SqlError(`${c.name}() takes one argument, got ${c.args.length}`, c.pos);
    if (containsAggregate(c.args)) throw new SqlError(`aggregate calls cannot be nested`, c.pos);
    const arg = binder.bind(c.args[0]!);
    const fn = c.name.toLowerCase() as AggregateCall["fn"];
    if ((fn === "sum" || fn === "avg") && !isNumeric(arg.type)) throw new SqlError(`${c.name}() needs a numeric argument, got ${typeName(arg.type)}`, exprPos(c.args[0]!));
    if ((fn === "min" || fn === "max") && (arg.type === "BOOLEAN" || arg.type === "NULL")) throw new SqlError(`${c.name}() needs a comparable argument, got ${typeName(arg.type)}`, exprPos(c.args[0]!));
    call = { fn, arg, distinct: c.distinct, name, type: fn === "count" ? "BIGINT" : arg.type };
  }
  const json = JSON.stringify({ ...call, name: "" });
  const existing = aggregates.find((a) => JSON.stringify({ ...a, name: "" }) === json);
  const a = existing ?? call;
  if (existing === undefined) aggregates.push(call);
  return { k: "col", name: a.name, type: a.type, nullable: a.fn !== "count" && a.fn !== "count_star" };
}

function legacyWindow(g: CallAst, rel: Relation): WindowAssignerSpec {
  const [time, ...rest] = g.args;
  if (time === undefined || time.k !== "col") throw new SqlError(`${g.name}(time_column, ...) needs the time attribute as its first argument`, g.pos);
  const c = new Binder(scopeOf(rel)).bind(time);
  if (rel.rowtime === null || c.k !== "col" || c.name !== rel.rowtime) {
    throw new SqlError(`${g.name}() needs the time attribute${rel.rowtime === null ? " (this table has none: declare a WATERMARK)" : ` '${rel.rowtime}'`} as its first argument`, exprPos(time));
  }
  const intervals = rest.map((a) => intervalArg(a, g.name));
  const expect = g.name === "HOP" ? 2 : 1;
  if (intervals.length !== expect) throw new SqlError(`${g.name}(time_column, ${g.name === "HOP" ? "slide, size" : g.name === "TUMBLE" ? "size" : "gap"}) takes ${expect + 1} arguments`, g.pos);
  return toAssigner(g.name as "TUMBLE" | "HOP" | "SESSION", intervals, g.pos);
}

function throwStar(pos: Pos): never {
  throw new SqlError("SELECT DISTINCT * is not supported; list the columns", pos);
}

/** The FROM relation's columns re-pointed at the fields of `input` (the pre-aggregation calc keeps field names). */
function withFields(from: Relation, input: Relation): RelColumn[] {
  const fields = new Set(input.columns.map((c) => c.field));
  return from.columns.filter((c) => fields.has(c.field));
}
