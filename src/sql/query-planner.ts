/**
 * @module sql/query-planner
 * SELECT -> plan nodes. Each query block is planned bottom-up (FROM, WHERE, GROUP BY/aggregates or
 * window Top-N, HAVING, SELECT list) into the operators the TypeScript API uses plus the SQL ones
 * (`sql:calc`, `sql:group-agg`, ...), with every expression bound and type-checked first:
 *
 * - FROM table -> its source node; `TABLE(TUMBLE|HOP|SESSION(TABLE t, DESCRIPTOR(ts), ...))` -> a
 *   pending TVF (relation.ts); `(subquery)` -> its plan; `a JOIN b ON ...` -> a window join.
 * - WHERE and the SELECT list -> one chained `sql:calc` (filter + projection).
 * - GROUP BY over a TVF's window_start and window_end, or `GROUP BY TUMBLE(ts, ...)` -> a `window` node
 *   (the API's window operator) with the TVF's assigner and an SQL aggregate; GROUP BY the bounds of
 *   rows already windowed (a window aggregation over a window aggregation, Nexmark q5) -> a `window` node
 *   over 1 ms tumbling windows of the rows' timestamps, which are `window_end - 1`, so each window fires
 *   when the watermark passes its end; any other GROUP BY -> `sql:group-agg`, an updating changelog.
 * - `ROW_NUMBER() | RANK() | DENSE_RANK() OVER (PARTITION BY window_start, window_end ...)` filtered by
 *   the outer query's `WHERE rownum <= N` -> `sql:window-rank` (Flink's window Top-N).
 *
 * Everything else a Flink user might try gets an SqlError saying what is supported instead.
 */
import type { CalcConfig, Expr, ProjectionItem, SqlType } from "../operators/index.ts";
import { planAggregate } from "./aggregate-planner.ts";
import type { AstExpr, FromItem, Pos, Query, Select } from "./ast.ts";
import { Binder, requireBoolean, nullableOf, type BindHooks } from "./binder.ts";
import type { Catalog } from "./catalog.ts";
import { exprPos } from "./cst-to-ast.ts";
import { SqlError } from "./errors.ts";
import { containsAggregate } from "./expr-walk.ts";
import { planJoin } from "./join-planner.ts";
import type { PlanWriter } from "./plan-writer.ts";
import { colRef, column, derivedName, isIdentity, NameSet, requalify, scopeOf, type RelColumn, type Relation } from "./relation.ts";
import { commonType, typeName } from "./types.ts";
import { intervalArg, toAssigner, WINDOW_END, WINDOW_START, WINDOW_TIME } from "./windows.ts";

type CallAst = Extract<AstExpr, { k: "call" }>;

export class QueryPlanner {
  constructor(
    readonly writer: PlanWriter,
    private readonly catalog: Catalog,
  ) {}

  // -------------------------------------------------------------------------------------------------
  // Queries and UNION ALL
  // -------------------------------------------------------------------------------------------------

  planQuery(q: Query): Relation {
    if (q.orderBy.length > 0) throw new SqlError("ORDER BY is not supported on an unbounded stream; rank rows per window with ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ...) instead", exprPos(q.orderBy[0]!.expr));
    if (q.limit !== null) throw new SqlError("LIMIT is not supported on a stream; use a window Top-N (ROW_NUMBER() OVER (...) with WHERE rownum <= N)", q.pos);
    const rels = q.selects.map((s) => this.planSelect(s));
    if (rels.length === 1) return rels[0]!;
    q.unionAll.forEach((all, i) => {
      if (!all) throw new SqlError("UNION (with duplicate removal) is not supported on a stream; use UNION ALL", q.selects[i + 1]!.pos);
    });
    const first = this.materialize(rels[0]!, q.pos);
    const inputs = rels.map((r, i) => {
      const m = this.materialize(r, q.selects[i]!.pos);
      if (m.columns.length !== first.columns.length) {
        throw new SqlError(`UNION ALL inputs have different column counts: ${first.columns.length} and ${m.columns.length}`, q.selects[i]!.pos);
      }
      m.columns.forEach((c, j) => {
        if (commonType(c.type, first.columns[j]!.type) === null) {
          throw new SqlError(`UNION ALL column ${j + 1} is ${typeName(first.columns[j]!.type)} in the first query and ${typeName(c.type)} in query ${i + 1}`, q.selects[i]!.pos);
        }
      });
      // rows of every input must use the first input's field names
      const sameFields = m.columns.every((c, j) => c.field === first.columns[j]!.field);
      return sameFields ? m : this.project(m, first.columns.map((c, j) => ({ name: c.field, expr: colRef(m.columns[j]!) })), null);
    });
    const union = this.writer.add("identity", "Union", {}, { parallelism: Math.max(...inputs.map((r) => this.writer.parallelismOf(r.node))) });
    for (const r of inputs) this.writer.connect(r.node, union);
    const sameWindow = inputs.every((r) => r.window !== null && r.window.start === first.window?.start && r.window.end === first.window.end);
    return {
      node: union,
      columns: first.columns.map((c, j) => ({ ...c, qualifier: null, nullable: inputs.some((r) => r.columns[j]!.nullable), type: inputs.reduce<SqlType>((t, r) => commonType(t, r.columns[j]!.type)!, c.type) })),
      updating: inputs.some((r) => r.updating),
      rowtime: null,
      window: sameWindow ? first.window : null,
    };
  }

  // -------------------------------------------------------------------------------------------------
  // One SELECT block
  // -------------------------------------------------------------------------------------------------

  planSelect(s: Select): Relation {
    let rel = this.planFrom(s.from);
    let where = s.where;
    if (rel.rank !== undefined) {
      const { limit, rest } = extractRankLimit(where, rel.rank.name, rel.columns, s.pos);
      rel = this.applyRank(rel, limit);
      where = rest;
    }
    const hasAggregates = s.groupBy.length > 0 || s.distinct || containsAggregate([...s.items.flatMap((i) => (i.k === "expr" ? [i.expr] : [])), ...(s.having === null ? [] : [s.having])]);
    if (!hasAggregates) {
      if (s.having !== null) throw new SqlError("HAVING needs GROUP BY or an aggregate", exprPos(s.having));
      return this.planProjection(s, rel, where);
    }
    return planAggregate(this, s, rel, where);
  }

  /** WHERE + SELECT list of a query without aggregation (possibly defining a ranking column). */
  private planProjection(s: Select, from: Relation, where: AstExpr | null): Relation {
    const scope = scopeOf(from);
    let rankCall: CallAst | null = null;
    let rankName = "";
    const hooks: BindHooks = {
      rank: (c) => {
        if (rankCall !== null) throw new SqlError("only one ranking function per SELECT", c.pos);
        rankCall = c;
        return { k: "lit", value: null, type: "BIGINT" }; // never evaluated: this item is dropped and the rank node writes the column
      },
    };
    const binder = new Binder(scope, hooks);
    const filter = where === null ? null : requireBoolean(binder.bind(where), "WHERE", exprPos(where));
    const items: ProjectionItem[] = [];
    const names = new NameSet();
    let rankIndex = -1;
    s.items.forEach((item, i) => {
      if (item.k === "star") {
        for (const c of from.columns) items.push({ name: names.take(c.name), expr: colRef(c) });
        return;
      }
      const before = rankCall;
      const expr = binder.bind(item.expr);
      const name = names.take(item.alias ?? derivedName(item.expr, i));
      if (rankCall !== before) {
        if (item.expr.k !== "call") throw new SqlError("a ranking function must be a column of its own (ROW_NUMBER() OVER (...) AS rownum)", item.pos);
        rankIndex = items.length;
        rankName = name;
        return;
      }
      items.push({ name, expr });
    });
    let rel = from;
    if (rel.tvf !== undefined && rankCall === null && filter === null && isIdentity(items, rel)) return this.materialize(rel, s.pos);
    rel = this.materialize(rel, s.pos);
    const projected = this.project(rel, items, filter, items.map((it) => columnType(it)));
    if (rankCall === null) return projected;
    return this.pendingRank(rankCall, rankName, rankIndex, from, projected, items);
  }

  /** Columns of the rows a projection produces, with the input's window and rowtime kept when passed through. */
  /** Filter and project `rel` with one chained `sql:calc` (none for an identity projection). */
  project(rel: Relation, items: readonly ProjectionItem[], filter: Expr | null, types?: readonly { type: SqlType; nullable: boolean }[]): Relation {
    const identity = filter === null && isIdentity(items, rel);
    let node = rel.node;
    if (!identity) {
      const config: CalcConfig = { filter, projection: items, updating: rel.updating };
      node = this.writer.add("sql:calc", filter !== null && items.length === rel.columns.length && isIdentity(items, rel) ? "Filter" : "Calc", config as unknown as Record<string, unknown>, {
        parallelism: this.writer.parallelismOf(rel.node),
      });
      this.writer.connect(rel.node, node);
    }
    const passed = (field: string | undefined): string | null => {
      if (field === undefined) return null;
      const item = items.find((it) => it.expr.k === "col" && it.expr.name === field);
      return item === undefined ? null : item.name;
    };
    const start = passed(rel.window?.start);
    const end = passed(rel.window?.end);
    const rowtime = passed(rel.rowtime ?? undefined);
    return {
      node,
      columns: items.map((it, i) => column(it.name, types?.[i]?.type ?? it.expr.type, types?.[i]?.nullable ?? nullableOf(it.expr), null)),
      updating: rel.updating,
      rowtime,
      window: start !== null && end !== null ? { start, end } : null,
    };
  }

  // -------------------------------------------------------------------------------------------------
  // FROM
  // -------------------------------------------------------------------------------------------------

  planFrom(f: FromItem): Relation {
    switch (f.k) {
      case "table": {
        const table = this.catalog.get(f.name, f.pos);
        const source = table.source();
        if (source === null) throw new SqlError(`table '${table.name}' is a sink: it cannot be read`, f.pos);
        const node = this.writer.add(source.kind, source.name, source.config, source.parallelism === undefined ? {} : { parallelism: source.parallelism });
        const qualifier = f.alias ?? f.name[f.name.length - 1]!;
        return { node, columns: table.columns.map((c) => column(c.name, c.type, c.nullable, qualifier)), updating: false, rowtime: table.rowtime, window: null };
      }
      case "tvf":
        return this.planTvf(f);
      case "subquery":
        return requalify(this.planQuery(f.query), f.alias);
      case "join":
        return planJoin(this, f);
    }
  }

  private planTvf(f: Extract<FromItem, { k: "tvf" }>): Relation {
    const input = this.planFrom({ k: "table", name: f.table, alias: f.alias ?? f.table[f.table.length - 1]!, pos: f.pos });
    if (input.rowtime === null) {
      const how = f.table.join(".") === "input" ? "give --watermark \"<column> - INTERVAL '2' SECOND\" (or a TIMESTAMP / *_ts column)" : "declare one with WATERMARK FOR <column> AS <column> - INTERVAL '...' SECOND";
      throw new SqlError(`table '${f.table.join(".")}' has no time attribute: ${how}`, f.pos);
    }
    const timeColumn = input.columns.find((c) => c.name === f.timeColumn);
    if (timeColumn === undefined || timeColumn.field !== input.rowtime) {
      throw new SqlError(`DESCRIPTOR(${f.timeColumn}) must name the time attribute of '${f.table.join(".")}', which is '${input.rowtime}'`, f.timeColumnPos);
    }
    const intervals = f.args.map((a) => intervalArg(a, f.fn));
    const expect = f.fn === "HOP" ? 2 : 1;
    if (intervals.length !== expect) {
      const form = f.fn === "HOP" ? "HOP(TABLE t, DESCRIPTOR(ts), slide, size)" : f.fn === "TUMBLE" ? "TUMBLE(TABLE t, DESCRIPTOR(ts), size)" : "SESSION(TABLE t, DESCRIPTOR(ts), gap)";
      throw new SqlError(`${f.fn} takes ${expect} interval argument${expect === 1 ? "" : "s"}, got ${intervals.length}: ${form}`, f.pos);
    }
    const assigner = toAssigner(f.fn, intervals, f.pos);
    const qualifier = f.alias ?? f.table[f.table.length - 1]!;
    const windowColumns = [WINDOW_START, WINDOW_END, WINDOW_TIME].map((n) => column(n, "TIMESTAMP", false, qualifier));
    return {
      node: input.node,
      columns: [...input.columns, ...windowColumns],
      updating: false,
      rowtime: input.rowtime,
      window: { start: WINDOW_START, end: WINDOW_END },
      tvf: { input, assigner, fn: f.fn },
    };
  }

  /** A pending TVF becomes a `sql:window-tvf` node (rows copied per window, stamped window_end - 1). */
  materialize(rel: Relation, pos: Pos): Relation {
    if (rel.rank !== undefined) throw new SqlError(`the ranking column '${rel.rank.name}' must be filtered by the outer query (WHERE ${rel.rank.name} <= N): that is a window Top-N`, pos);
    if (rel.tvf === undefined) return rel;
    if (rel.tvf.assigner.type === "session") throw new SqlError("SESSION windows need an aggregation: GROUP BY window_start, window_end over the SESSION table function", pos);
    const { assigner } = rel.tvf;
    const window = assigner.type === "tumbling" ? { type: "tumbling", sizeMs: assigner.sizeMs } : { type: "sliding", sizeMs: assigner.sizeMs, slideMs: (assigner as { slideMs: number }).slideMs };
    const node = this.writer.add("sql:window-tvf", `${rel.tvf.fn}`, { window }, { parallelism: this.writer.parallelismOf(rel.node) });
    this.writer.connect(rel.node, node);
    return { node, columns: rel.columns, updating: false, rowtime: null, window: { start: WINDOW_START, end: WINDOW_END } };
  }

  // -------------------------------------------------------------------------------------------------
  // Window Top-N
  // -------------------------------------------------------------------------------------------------

  private pendingRank(call: CallAst, name: string, index: number, from: Relation, projected: Relation, items: readonly ProjectionItem[]): Relation {
    const over = call.over!;
    if (call.args.length > 0) throw new SqlError(`${call.name}() takes no arguments`, call.pos);
    if (over.orderBy.length === 0) throw new SqlError(`${call.name}() OVER (...) needs ORDER BY`, call.pos);
    const binder = new Binder(scopeOf(from));
    const outputField = (e: AstExpr, what: string): string => {
      const bound = binder.bind(e);
      const item = items.find((it) => JSON.stringify(it.expr) === JSON.stringify(bound));
      if (item === undefined) throw new SqlError(`the ${what} must also be selected (add it to the SELECT list)`, exprPos(e));
      return item.name;
    };
    const partitionFields = over.partitionBy.map((e) => outputField(e, "PARTITION BY expression"));
    const window = projected.window;
    if (window === null || !partitionFields.includes(window.start) || !partitionFields.includes(window.end)) {
      throw new SqlError(`${call.name}() OVER needs PARTITION BY window_start, window_end (plus any other keys) of a windowed table: only window Top-N is supported on streams`, call.pos);
    }
    const orderBy = over.orderBy.map((o) => ({ column: outputField(o.expr, "ORDER BY expression"), descending: o.descending }));
    const fn = call.name === "ROW_NUMBER" ? "row_number" : call.name === "RANK" ? "rank" : "dense_rank";
    const columns = [...projected.columns];
    columns.splice(index, 0, column(name, "BIGINT", false, null));
    return {
      ...projected,
      columns,
      rank: { config: { windowEnd: window.end, orderBy, function: fn, rankColumn: name }, partitionFields, name },
    };
  }

  private applyRank(rel: Relation, limit: number): Relation {
    const rank = rel.rank!;
    const node = this.writer.add("sql:window-rank", `WindowTopN(${rank.config.function} <= ${limit})`, { ...rank.config, limit }, { keyFields: rank.partitionFields });
    this.writer.connect(rel.node, node);
    const { rank: _, ...rest } = rel;
    return { ...rest, node, rowtime: null };
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

function columnType(it: ProjectionItem): { type: SqlType; nullable: boolean } {
  return { type: it.expr.type === "NULL" ? "VARCHAR" : it.expr.type, nullable: nullableOf(it.expr) };
}

/** `WHERE rownum <= N` (or `< N`, `= 1`, `N >= rownum`) on the ranking column, and the rest of WHERE. */
function extractRankLimit(where: AstExpr | null, rankName: string, columns: readonly RelColumn[], pos: Pos): { limit: number; rest: AstExpr | null } {
  const conjuncts: AstExpr[] = [];
  const split = (e: AstExpr): void => {
    if (e.k === "binary" && e.op === "AND") {
      split(e.left);
      split(e.right);
    } else conjuncts.push(e);
  };
  if (where !== null) split(where);
  const isRank = (e: AstExpr) => e.k === "col" && e.parts[e.parts.length - 1] === rankName && columns.some((c) => c.name === rankName);
  const num = (e: AstExpr) => (e.k === "lit" && typeof e.value === "number" && Number.isInteger(e.value) ? e.value : null);
  let limit: number | null = null;
  const rest: AstExpr[] = [];
  for (const c of conjuncts) {
    if (c.k === "binary") {
      let n: number | null = null;
      let op = c.op;
      if (isRank(c.left) && num(c.right) !== null) n = num(c.right);
      else if (isRank(c.right) && num(c.left) !== null) {
        n = num(c.left);
        op = ({ ">=": "<=", ">": "<", "<=": ">=", "<": ">", "=": "=" } as Record<string, typeof op>)[op] ?? op;
      }
      if (n !== null) {
        const l = op === "<=" ? n : op === "<" ? n - 1 : op === "=" && n === 1 ? 1 : null;
        if (l === null || l < 1) throw new SqlError(`the rank filter must be ${rankName} <= N, ${rankName} < N or ${rankName} = 1 with N >= 1`, c.pos);
        limit = Math.min(limit ?? l, l);
        continue;
      }
    }
    rest.push(c);
  }
  if (limit === null) throw new SqlError(`filter the ranking column: WHERE ${rankName} <= N (window Top-N)`, where === null ? pos : exprPos(where));
  const restExpr = rest.reduce<AstExpr | null>((acc, e) => (acc === null ? e : { k: "binary", op: "AND", left: acc, right: e, pos: exprPos(e) }), null);
  return { limit, rest: restExpr };
}
