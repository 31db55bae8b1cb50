/**
 * @module sql/relation
 * What the query planner knows about the rows flowing out of a plan node: their columns (SQL name,
 * row field, type, the table alias that qualifies them), whether they are an updating changelog, which
 * column is the event time, and which columns bound the window the rows belong to.
 *
 * Two relations are "pending" rather than materialised, because the operator that follows decides how
 * they run: a window TVF (`TABLE(TUMBLE(...))`) becomes the window node's assigner when a GROUP BY on
 * its bounds follows, and a `sql:window-tvf` node otherwise; a ranking column (`ROW_NUMBER() OVER`)
 * becomes a `sql:window-rank` node only once the outer query's `WHERE rownum <= N` gives its limit.
 */
import type { Expr, ProjectionItem, SqlType, WindowRankConfig } from "../operators/index.ts";
import type { AstExpr } from "./ast.ts";
import type { WindowAssignerSpec } from "../operators/index.ts";
import { Scope, type ScopeColumn } from "./binder.ts";

export interface RelColumn extends ScopeColumn {}

/** Window bounds carried by rows: after a window aggregation, join or Top-N, or a materialised TVF. */
export interface RelWindow {
  readonly start: string;
  readonly end: string;
}

export interface PendingTvf {
  /** The table's rows (a source node), before windows are assigned. */
  readonly input: Relation;
  readonly assigner: WindowAssignerSpec;
  readonly fn: "TUMBLE" | "HOP" | "SESSION";
}

export interface PendingRank {
  readonly config: Omit<WindowRankConfig, "limit">;
  readonly partitionFields: readonly string[];
  readonly name: string;
}

export interface Relation {
  /** The node producing the rows (for a pending TVF, the node of its input). */
  readonly node: string;
  readonly columns: readonly RelColumn[];
  readonly updating: boolean;
  /** The field holding each row's event time (its record timestamp), if any. */
  readonly rowtime: string | null;
  readonly window: RelWindow | null;
  readonly tvf?: PendingTvf;
  readonly rank?: PendingRank;
}

export function scopeOf(rel: Relation): Scope {
  return new Scope(rel.columns);
}

/** The same columns under another qualifier (a FROM alias). */
export function requalify(rel: Relation, qualifier: string | null): Relation {
  return { ...rel, columns: rel.columns.map((c) => ({ ...c, qualifier })) };
}

export function column(name: string, type: SqlType, nullable: boolean, qualifier: string | null, field = name): RelColumn {
  return { qualifier, name, field, type, nullable };
}

export const colRef = (c: { readonly field: string; readonly type: SqlType; readonly nullable: boolean }): Expr => ({ k: "col", name: c.field, type: c.type, nullable: c.nullable });

/** Unique output names: a repeated name gets a numeric suffix (name0, name1, ...), as in Flink. */
export class NameSet {
  private readonly used = new Set<string>();
  take(name: string): string {
    let n = name;
    for (let i = 0; this.used.has(n); i++) n = `${name}${i}`;
    this.used.add(n);
    return n;
  }
}

/** Flink's name for an unaliased select item: the column's name, else EXPR$i. */
export function derivedName(e: AstExpr, index: number): string {
  if (e.k === "col") return e.parts[e.parts.length - 1]!;
  return `EXPR$${index}`;
}

export function isIdentity(items: readonly ProjectionItem[], rel: Relation): boolean {
  return items.length === rel.columns.length && items.every((it, i) => it.expr.k === "col" && it.expr.name === rel.columns[i]!.field && it.name === rel.columns[i]!.field);
}
