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
import type { AggregateCall, CalcConfig, Expr, ProjectionItem, SqlType, SqlWindowAggregateSpec, WindowAssignerSpec, WindowJoinConfig } from "../operators/index.ts";
import { sliding, session, tumbling } from "../operators/index.ts";
import type { AstExpr, FromItem, Pos, Query, Select } from "./ast.ts";
import { AGGREGATE_FUNCTIONS, Binder, GROUP_WINDOW_FUNCTIONS, nullableOf, requireBoolean, Scope, type BindHooks } from "./binder.ts";
import type { Catalog } from "./catalog.ts";
import { exprPos } from "./cst-to-ast.ts";
import { SqlError } from "./errors.ts";
import type { PlanWriter } from "./plan-writer.ts";
import { colRef, column, requalify, scopeOf, type RelColumn, type Relation } from "./relation.ts";
import { commonType, isNumeric, typeName } from "./types.ts";

type CallAst = Extract<AstExpr, { k: "call" }>;

const WINDOW_START = "window_start";
const WINDOW_END = "window_end";
const WINDOW_TIME = "window_time";

export class QueryPlanner {
  constructor(
    private readonly writer: PlanWriter,
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
    return this.planAggregate(s, rel, where);
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
        return { k: "lit", value: null, type: "BIGINT" }; // placeholder; the rank node writes the column
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
  private project(rel: Relation, items: readonly ProjectionItem[], filter: Expr | null, types?: readonly { type: SqlType; nullable: boolean }[]): Relation {
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
        return this.planJoin(f);
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

  // -------------------------------------------------------------------------------------------------
  // Aggregation
  // -------------------------------------------------------------------------------------------------

  private planAggregate(s: Select, fromRel: Relation, where: AstExpr | null): Relation {
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
        legacy = { assigner: this.legacyWindow(g, fromRel), call: g };
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
    const base = mode === "tvf" ? fromRel.tvf!.input : this.materialize(fromRel, s.pos);
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
      input = { ...this.project(base, items, whereExpr), rowtime: base.rowtime, window: base.window };
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
      aggregate: (c, _bindArg) => this.aggregateCall(c, new Binder(inputScope), aggregates),
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
      aggNode = this.writer.add("sql:group-agg", `GroupAggregate(${keyFields.join(", ")})`, config as unknown as Record<string, unknown>, { keyFields });
      updating = true;
    } else {
      const assigner: WindowAssignerSpec = mode === "tvf" ? fromRel.tvf!.assigner : mode === "legacy" ? legacy!.assigner : tumbling(1);
      const aggregate: SqlWindowAggregateSpec = { type: "sql", groupBy, aggregates, windowStart: windowFields!.start, windowEnd: windowFields!.end };
      const config = { assigner, allowedLatenessMs: 0, lateOutputTag: null, aggregate };
      aggNode = this.writer.add("window", `WindowAggregate(${describe(assigner, mode)})`, config as unknown as Record<string, unknown>, { keyFields });
    }
    this.writer.connect(input.node, aggNode);
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
    return this.project(aggRel, items, having);
  }

  private aggregateCall(c: CallAst, binder: Binder, aggregates: AggregateCall[]): Expr {
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

  private legacyWindow(g: CallAst, rel: Relation): WindowAssignerSpec {
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

  // -------------------------------------------------------------------------------------------------
  // Joins
  // -------------------------------------------------------------------------------------------------

  private planJoin(j: Extract<FromItem, { k: "join" }>): Relation {
    if (j.type !== "INNER") throw new SqlError(`${j.type} JOIN is not supported; only INNER window joins (both sides windowed, ON equal window_start and window_end)`, j.pos);
    const left = this.materialize(this.planFrom(j.left), j.pos);
    const right = this.materialize(this.planFrom(j.right), j.pos);
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
      const items: ProjectionItem[] = [...rel.columns.map((c) => ({ name: c.field, expr: colRef(c) })), { name: "$side", expr: { k: "lit", value: sideIndex, type: "INT" } }, ...keys.map((k, i) => ({ name: `$k${i}`, expr: k }))];
      const node = this.writer.add("sql:calc", sideIndex === 0 ? "JoinLeftKey" : "JoinRightKey", { filter: null, projection: items, updating: false }, { parallelism: this.writer.parallelismOf(rel.node) });
      this.writer.connect(rel.node, node);
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
    const join = this.writer.add("sql:window-join", "WindowJoin", config as unknown as Record<string, unknown>, { keyFields: leftKeys.map((_, i) => `$k${i}`) });
    this.writer.connect(leftNode, join);
    this.writer.connect(rightNode, join);
    return {
      node: join,
      columns: [...left.columns.map((c, i) => ({ ...c, field: leftOut[i]! })), ...right.columns.map((c, i) => ({ ...c, field: rightOut[i]! }))],
      updating: false,
      rowtime: null,
      window: { start: outField.get(`L.${left.window.start}`)!, end: outField.get(`L.${left.window.end}`)! },
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

/** Unique output names: a repeated name gets a numeric suffix (name0, name1, ...), as in Flink. */
class NameSet {
  private readonly used = new Set<string>();
  take(name: string): string {
    let n = name;
    for (let i = 0; this.used.has(n); i++) n = `${name}${i}`;
    this.used.add(n);
    return n;
  }
}

/** Flink's name for an unaliased select item: the column's name, else EXPR$i. */
function derivedName(e: AstExpr, index: number): string {
  if (e.k === "col") return e.parts[e.parts.length - 1]!;
  return `EXPR$${index}`;
}

function throwStar(pos: Pos): never {
  throw new SqlError("SELECT DISTINCT * is not supported; list the columns", pos);
}

function columnType(it: ProjectionItem): { type: SqlType; nullable: boolean } {
  return { type: it.expr.type === "NULL" ? "VARCHAR" : it.expr.type, nullable: nullableOf(it.expr) };
}

function isIdentity(items: readonly ProjectionItem[], rel: Relation): boolean {
  return items.length === rel.columns.length && items.every((it, i) => it.expr.k === "col" && it.expr.name === rel.columns[i]!.field && it.name === rel.columns[i]!.field);
}

/** The FROM relation's columns re-pointed at the fields of `input` (the pre-aggregation calc keeps field names). */
function withFields(from: Relation, input: Relation): RelColumn[] {
  const fields = new Set(input.columns.map((c) => c.field));
  return from.columns.filter((c) => fields.has(c.field));
}

function containsAggregate(exprs: readonly AstExpr[]): boolean {
  const visit = (e: AstExpr): boolean => {
    switch (e.k) {
      case "call":
        return (AGGREGATE_FUNCTIONS.has(e.name) && e.over === null) || e.args.some(visit);
      case "neg":
      case "not":
      case "cast":
        return visit(e.arg);
      case "binary":
        return visit(e.left) || visit(e.right);
      case "is":
        return visit(e.arg);
      case "like":
        return visit(e.arg) || visit(e.pattern);
      case "in":
        return visit(e.arg) || e.values.some(visit);
      case "between":
        return visit(e.arg) || visit(e.low) || visit(e.high);
      case "case":
        return (e.operand !== null && visit(e.operand)) || e.whens.some((w) => visit(w.when) || visit(w.then)) || (e.otherwise !== null && visit(e.otherwise));
      default:
        return false;
    }
  };
  return exprs.some(visit);
}

function intervalArg(a: AstExpr, fn: string): number {
  if (a.k !== "interval") throw new SqlError(`${fn} window sizes must be INTERVAL literals, e.g. INTERVAL '10' SECOND`, exprPos(a));
  if (a.ms <= 0) throw new SqlError(`${fn} window sizes must be positive`, a.pos);
  return a.ms;
}

function toAssigner(fn: "TUMBLE" | "HOP" | "SESSION", intervals: readonly number[], pos: Pos): WindowAssignerSpec {
  try {
    if (fn === "TUMBLE") return tumbling(intervals[0]!);
    if (fn === "SESSION") return session(intervals[0]!);
    const [slide, size] = intervals as [number, number];
    if (size % slide !== 0) throw new SqlError(`HOP size (${size} ms) must be a multiple of its slide (${slide} ms)`, pos);
    return sliding(size, slide);
  } catch (error) {
    if (error instanceof SqlError) throw error;
    throw new SqlError((error as Error).message, pos);
  }
}

function describe(a: WindowAssignerSpec, mode: string): string {
  if (mode === "cascade") return "window_end";
  if (a.type === "tumbling") return `TUMBLE ${a.sizeMs} ms`;
  if (a.type === "sliding") return `HOP ${a.slideMs}/${a.sizeMs} ms`;
  return `SESSION gap ${a.gapMs} ms`;
}

function children(e: Expr): readonly Expr[] {
  if (e.k === "call") return e.args;
  if (e.k === "cast") return [e.arg];
  if (e.k === "case") return [...e.whens.flatMap((w) => [w.when, w.then]), ...(e.otherwise === null ? [] : [e.otherwise])];
  return [];
}

function mapChildren(e: Expr, f: (x: Expr) => Expr): Expr {
  if (e.k === "call") return { ...e, args: e.args.map(f) };
  if (e.k === "cast") return { ...e, arg: f(e.arg) };
  if (e.k === "case") return { ...e, whens: e.whens.map((w) => ({ when: f(w.when), then: f(w.then) })), otherwise: e.otherwise === null ? null : f(e.otherwise) };
  return e;
}

function collectColumns(e: Expr, out: Set<string>): void {
  if (e.k === "col") out.add(e.name);
  for (const c of children(e)) collectColumns(c, out);
}

function referencesAny(e: Expr, fields: ReadonlySet<string>): boolean {
  const cols = new Set<string>();
  collectColumns(e, cols);
  return [...cols].some((c) => fields.has(c));
}

function renameColumns(e: Expr, rename: (field: string) => string): Expr {
  if (e.k === "col") return { ...e, name: rename(e.name) };
  return mapChildren(e, (x) => renameColumns(x, rename));
}

/** Replace sub-expressions equal to a group key by the key's output column (aggregate refs stay). */
function replaceKeys(e: Expr, keys: readonly { json: string; ref: Expr }[], aggregates: readonly AggregateCall[]): Expr {
  if (e.k === "col" && aggregates.some((a) => a.name === e.name)) return e;
  const json = JSON.stringify(e);
  const hit = keys.find((k) => k.json === json);
  if (hit !== undefined) return hit.ref;
  return mapChildren(e, (x) => replaceKeys(x, keys, aggregates));
}

function strayColumn(e: Expr, available: ReadonlySet<string>, aggregates: readonly AggregateCall[]): string | null {
  if (e.k === "col") return available.has(e.name) || aggregates.some((a) => a.name === e.name) ? null : e.name;
  for (const c of children(e)) {
    const s = strayColumn(c, available, aggregates);
    if (s !== null) return s;
  }
  return null;
}

function findColumnPos(e: AstExpr, name: string): Pos | null {
  let found: Pos | null = null;
  const visit = (x: AstExpr): void => {
    if (found !== null) return;
    if (x.k === "col" && x.parts[x.parts.length - 1] === name) found = x.pos;
    else if (x.k === "call") x.args.forEach(visit);
    else if (x.k === "binary") (visit(x.left), visit(x.right));
    else if (x.k === "neg" || x.k === "not" || x.k === "cast" || x.k === "is") visit(x.arg);
    else if (x.k === "case") {
      if (x.operand !== null) visit(x.operand);
      x.whens.forEach((w) => (visit(w.when), visit(w.then)));
      if (x.otherwise !== null) visit(x.otherwise);
    } else if (x.k === "like") (visit(x.arg), visit(x.pattern));
    else if (x.k === "in") (visit(x.arg), x.values.forEach(visit));
    else if (x.k === "between") (visit(x.arg), visit(x.low), visit(x.high));
  };
  visit(e);
  return found;
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
