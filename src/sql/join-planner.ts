/**
 * @module sql/join-planner
 * `a JOIN b ON ...` -> a window join (Flink's): both inputs windowed, the ON condition's equalities
 * between the two sides become the join key, which must include equal window_start and window_end; the
 * rest of ON is a residual condition evaluated per joined row. Each side is tagged by a `sql:calc`
 * (`$side`, key columns `$k0..`), both hash into one keyed `sql:window-join` node, which emits the
 * pairs of a window when the watermark passes its end. Duplicate column names get a numeric suffix.
 */
import { SIDE_COLUMN, type Expr, type ProjectionItem, type WindowJoinConfig } from "../operators/index.ts";
import type { FromItem } from "./ast.ts";
import { Binder, nullableOf, requireBoolean, Scope } from "./binder.ts";
import { exprPos } from "./cst-to-ast.ts";
import { SqlError } from "./errors.ts";
import { collectColumns, renameColumns } from "./expr-walk.ts";
import type { QueryPlanner } from "./query-planner.ts";
import { colRef, NameSet, type Relation } from "./relation.ts";


export function planJoin(p: QueryPlanner, j: Extract<FromItem, { k: "join" }>): Relation {
  if (j.type !== "INNER") throw new SqlError(`${j.type} JOIN is not supported; only INNER window joins (both sides windowed, ON equal window_start and window_end)`, j.pos);
  const left = p.materialize(p.planFrom(j.left), j.pos);
  const right = p.materialize(p.planFrom(j.right), j.pos);
  if (left.window === null || right.window === null || left.updating || right.updating) {
    throw new SqlError("only window joins are supported on streams: join two windowed inputs (window TVFs or window aggregations) ON their keys AND equal window_start AND window_end", j.pos);
  }
  const scope = new Scope([...left.columns.map((c) => ({ ...c, field: `L.${c.field}` })), ...right.columns.map((c) => ({ ...c, field: `R.${c.field}` }))]);
  const on = requireBoolean(new Binder(scope).bind(j.on), "the ON condition", exprPos(j.on));
  const conjuncts = on.k === "call" && on.fn === "and" ? on.args : [on];
  const leftKeys: Expr[] = [];
  const rightKeys: Expr[] = [];
  const residual: Expr[] = [];
  const side = (e: Expr): "L" | "R" | "both" | "none" => {
    const fields = new Set<string>();
    collectColumns(e, fields);
    const sides = new Set([...fields].map((f) => f.slice(0, 1)));
    return sides.size === 0 ? "none" : sides.size === 2 ? "both" : (([...sides][0]) as "L" | "R");
  };
  const strip = (e: Expr): Expr => renameColumns(e, (f) => f.slice(2));
  for (const c of conjuncts) {
    if (c.k === "call" && c.fn === "eq") {
      const [a, b] = c.args as [Expr, Expr];
      const sa = side(a);
      const sb = side(b);
      if (sa === "L" && sb === "R") {
        leftKeys.push(strip(a));
        rightKeys.push(strip(b));
        continue;
      }
      if (sa === "R" && sb === "L") {
        leftKeys.push(strip(b));
        rightKeys.push(strip(a));
        continue;
      }
    }
    residual.push(c);
  }
  const pairs = leftKeys.map((l, i) => [l, rightKeys[i]!] as const);
  const equalBound = (lf: string, rf: string) => pairs.some(([l, r]) => l.k === "col" && l.name === lf && r.k === "col" && r.name === rf);
  if (!equalBound(left.window.start, right.window.start) || !equalBound(left.window.end, right.window.end)) {
    throw new SqlError(`a window join needs ON ... AND left.${left.window.start} = right.${right.window.start} AND left.${left.window.end} = right.${right.window.end}`, exprPos(j.on));
  }
  // output names: a column keeps its name unless the other side has it too (then name0, name1, ...)
  const names = new NameSet();
  const leftOut = left.columns.map((c) => names.take(c.name));
  const rightOut = right.columns.map((c) => names.take(c.name));
  const outField = new Map<string, string>([...left.columns.map((c, i) => [`L.${c.field}`, leftOut[i]!] as const), ...right.columns.map((c, i) => [`R.${c.field}`, rightOut[i]!] as const)]);
  const condition = residual.length === 0 ? null : renameColumns(residual.length === 1 ? residual[0]! : { k: "call", fn: "and", args: residual, type: "BOOLEAN", nullable: residual.some(nullableOf) }, (f) => outField.get(f)!);
  const tag = (rel: Relation, sideIndex: number, keys: readonly Expr[]): string => {
    const items: ProjectionItem[] = [...rel.columns.map((c) => ({ name: c.field, expr: colRef(c) })), { name: SIDE_COLUMN, expr: { k: "lit", value: sideIndex, type: "INT" } }, ...keys.map((k, i) => ({ name: `$k${i}`, expr: k }))];
    const node = p.writer.add("sql:calc", sideIndex === 0 ? "JoinLeftKey" : "JoinRightKey", { filter: null, projection: items, updating: false }, { parallelism: p.writer.parallelismOf(rel.node) });
    p.writer.connect(rel.node, node);
    return node;
  };
  const leftNode = tag(left, 0, leftKeys);
  const rightNode = tag(right, 1, rightKeys);
  const config: WindowJoinConfig = {
    leftWindowEnd: left.window.end,
    rightWindowEnd: right.window.end,
    left: left.columns.map((c, i) => [c.field, leftOut[i]!] as const),
    right: right.columns.map((c, i) => [c.field, rightOut[i]!] as const),
    condition,
  };
  const join = p.writer.add("sql:window-join", "WindowJoin", config as unknown as Record<string, unknown>, { keyFields: leftKeys.map((_, i) => `$k${i}`) });
  p.writer.connect(leftNode, join);
  p.writer.connect(rightNode, join);
  return {
    node: join,
    columns: [...left.columns.map((c, i) => ({ ...c, field: leftOut[i]! })), ...right.columns.map((c, i) => ({ ...c, field: rightOut[i]! }))],
    updating: false,
    rowtime: null,
    window: { start: outField.get(`L.${left.window.start}`)!, end: outField.get(`L.${left.window.end}`)! },
  };
}
