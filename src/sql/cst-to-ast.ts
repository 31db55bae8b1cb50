/**
 * @module sql/cst-to-ast
 * Turns the grammar's concrete syntax tree into the AST of ast.ts: one small function per CST node
 * type, each typed by the generated grammar/cst.d.ts. (Chevrotain's visitor class would do the same
 * dispatch, but its single result type would force a cast at every call; typed functions keep the
 * compiler checking each node's shape, which is what the generated types are for.)
 *
 * `parseStatements` is the entry point: syntax errors become an SqlError naming line, column and what
 * was expected (the first error; the parser recovers and may report more, which tend to be echoes).
 */
import { parseSql, parseSqlExpression, type IToken } from "../../grammar/api.ts";
import type * as C from "../../grammar/api.ts";
import type { AstExpr, BinaryOp, ColumnDef, CreateTable, FromItem, OrderItem, OverClause, ParsedStatement, Pos, Query, Select, SelectItem, Statement, TypeName } from "./ast.ts";
import { SqlError } from "./errors.ts";

const pos = (t: IToken): Pos => ({ line: t.startLine ?? 1, column: t.startColumn ?? 1 });
const first = <T>(xs: readonly T[] | undefined): T => xs![0]!;

/** An identifier's name: backquotes removed (`` inside is one backquote); keywords as written. */
function ident(t: IToken): string {
  const s = t.image;
  return s.startsWith("`") ? s.slice(1, -1).replaceAll("``", "`") : s;
}

function stringValue(t: IToken): string {
  return t.image.slice(1, -1).replaceAll("''", "'");
}

/** Parse a script into statements, each with its source text. */
export function parseStatements(text: string): ParsedStatement[] {
  const { cst, errors } = parseSql(text);
  if (errors.length > 0) {
    const e = errors[0]!;
    throw new SqlError(e.message.replace(/^line \d+, column \d+: /, ""), { line: e.line, column: e.column });
  }
  const statements = cst.children.statement ?? [];
  return statements.map((s) => {
    const start = s.location?.startOffset ?? 0;
    const end = s.location?.endOffset ?? text.length - 1;
    return { statement: statement(s), text: text.slice(start, end + 1).trim() };
  });
}

/** Parse a lone expression (`--watermark "ts - INTERVAL '2' SECOND"`). */
export function parseExpressionText(text: string): AstExpr {
  const { cst, errors } = parseSqlExpression(text);
  if (errors.length > 0) {
    const e = errors[0]!;
    throw new SqlError(`in '${text}': ${e.message.replace(/^line \d+, column \d+: /, "")}`, { line: e.line, column: e.column });
  }
  return expression(cst);
}

function statement(node: C.StatementCstNode): Statement {
  const c = node.children;
  if (c.createTableStatement) return createTable(first(c.createTableStatement));
  if (c.insertStatement) return insert(first(c.insertStatement));
  if (c.explainStatement) {
    const e = first(c.explainStatement).children;
    return { k: "explain", statement: e.insertStatement ? insert(first(e.insertStatement)) : query(first(e.query)), pos: pos(first(e.Explain)) };
  }
  if (c.setStatement) {
    const s = first(c.setStatement).children;
    return { k: "set", key: stringValue(first(s.key)), value: stringValue(first(s.value)), pos: pos(first(s.Set)) };
  }
  return query(first(c.query));
}

function qualifiedName(node: C.QualifiedNameCstNode): string[] {
  return node.children.parts.map(ident);
}

function createTable(node: C.CreateTableStatementCstNode): CreateTable {
  const c = node.children;
  const columns: ColumnDef[] = [];
  let watermark: CreateTable["watermark"] = null;
  for (const element of c.tableElement) {
    const e = element.children;
    if (e.watermarkDefinition) {
      const w = first(e.watermarkDefinition).children;
      if (watermark !== null) throw new SqlError("a table can declare only one WATERMARK", pos(first(w.Watermark)));
      watermark = { column: ident(first(w.column)), expr: expression(first(w.expression)), pos: pos(first(w.Watermark)) };
    } else {
      const d = first(e.columnDefinition).children;
      const nameToken = first(d.name);
      columns.push({
        name: ident(nameToken),
        type: d.dataType ? dataType(first(d.dataType)) : null,
        notNull: d.Not !== undefined,
        computed: d.computed ? expression(first(d.computed)) : null,
        pos: pos(nameToken),
      });
    }
  }
  const options = new Map<string, { value: string; pos: Pos }>();
  for (const p of c.withOptions ? (first(c.withOptions).children.property ?? []) : []) {
    const pc = p.children;
    const keyToken = pc.key ? first(pc.key) : first(first(pc.name).children.parts);
    const key = pc.key ? stringValue(first(pc.key)) : qualifiedName(first(pc.name)).join(".");
    const lit = first(pc.value).children;
    const value = lit.StringLiteral ? stringValue(first(lit.StringLiteral)) : (lit.NumberLiteral ?? lit.True ?? lit.False ?? lit.Null)![0]!.image;
    if (options.has(key)) throw new SqlError(`option '${key}' is given twice`, pos(keyToken));
    options.set(key, { value, pos: pos(keyToken) });
  }
  return { k: "create", name: qualifiedName(first(c.qualifiedName)), columns, watermark, options, pos: pos(first(c.Create)) };
}

function dataType(node: C.DataTypeCstNode): TypeName {
  const c = node.children;
  if (c.Bigint) return "BIGINT";
  if (c.Int || c.Integer) return "INT";
  if (c.Double || c.Float) return "DOUBLE";
  if (c.Boolean) return "BOOLEAN";
  if (c.Varchar || c.String) return "VARCHAR";
  const precision = c.precision ? Number(first(c.precision).image) : 3;
  if (precision !== 3) throw new SqlError(`TIMESTAMP(${precision}) is not supported: timestamps are TIMESTAMP(3) (milliseconds)`, pos(first(c.Timestamp)));
  return "TIMESTAMP";
}

function insert(node: C.InsertStatementCstNode): Insert {
  const c = node.children;
  const target = first(c.target);
  return { k: "insert", target: qualifiedName(target), targetPos: pos(first(target.children.parts)), query: query(first(c.query)), pos: pos(first(c.Insert)) };
}
type Insert = Extract<Statement, { k: "insert" }>;

function query(node: C.QueryCstNode): Query {
  const c = node.children;
  const orderBy = c.orderByClause ? first(c.orderByClause).children.orderItem.map(orderItem) : [];
  return {
    k: "query",
    selects: c.selectStatement.map(select),
    unionAll: (c.unionClause ?? []).map((u) => u.children.All !== undefined),
    orderBy,
    limit: c.limitClause ? Number(first(first(c.limitClause).children.count).image) : null,
    pos: pos(first(first(c.selectStatement).children.Select)),
  };
}

function orderItem(node: C.OrderItemCstNode): OrderItem {
  return { expr: expression(first(node.children.expression)), descending: node.children.Desc !== undefined };
}

function select(node: C.SelectStatementCstNode): Select {
  const c = node.children;
  const items: SelectItem[] = c.selectItem.map((item) => {
    const i = item.children;
    if (i.Star) return { k: "star", pos: pos(first(i.Star)) };
    const expr = expression(first(i.expression));
    return { k: "expr", expr, alias: i.alias ? ident(first(first(i.alias).children.name)) : null, pos: exprPos(expr) };
  });
  return {
    distinct: c.Distinct !== undefined,
    items,
    from: fromClause(first(c.fromClause)),
    where: c.whereClause ? expression(first(first(c.whereClause).children.expression)) : null,
    groupBy: c.groupByClause ? first(c.groupByClause).children.expression.map(expression) : [],
    having: c.havingClause ? expression(first(first(c.havingClause).children.expression)) : null,
    pos: pos(first(c.Select)),
  };
}

function fromClause(node: C.FromClauseCstNode): FromItem {
  const c = node.children;
  let item = tableSource(first(c.tableSource));
  for (const j of c.joinClause ?? []) {
    const jc = j.children;
    const type = jc.Left ? "LEFT" : jc.Right ? "RIGHT" : jc.Full ? "FULL" : "INNER";
    item = { k: "join", type, left: item, right: tableSource(first(jc.tableSource)), on: expression(first(jc.condition)), pos: pos(first(jc.Join)) };
  }
  return item;
}

function tableSource(node: C.TableSourceCstNode): FromItem {
  const c = node.children;
  const alias = c.alias ? ident(first(first(c.alias).children.name)) : null;
  if (c.windowFunction) {
    const w = first(c.windowFunction).children;
    const fnToken = (w.Tumble ?? w.Hop ?? w.Session)![0]!;
    const fn = fnToken.image.toUpperCase() as "TUMBLE" | "HOP" | "SESSION";
    const timeToken = first(w.timeColumn);
    return {
      k: "tvf",
      fn,
      table: qualifiedName(first(w.table)),
      partitionKeys: (w.partitionKeys ?? []).map(columnReference),
      timeColumn: ident(timeToken),
      timeColumnPos: pos(timeToken),
      args: w.arguments.map(expression),
      alias,
      pos: pos(fnToken),
    };
  }
  if (c.subquery) return { k: "subquery", query: query(first(c.subquery)), alias, pos: pos(first(c.LParen)) };
  const name = first(c.qualifiedName);
  return { k: "table", name: qualifiedName(name), alias, pos: pos(first(name.children.parts)) };
}

// ---------------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------------

/** Position of an expression (for messages about it). */
export function exprPos(e: AstExpr): Pos {
  return e.k === "binary" ? exprPos(e.left) : e.pos;
}

function expression(node: C.ExpressionCstNode): AstExpr {
  const c = node.children;
  let left = andExpression(first(c.lhs));
  (c.rhs ?? []).forEach((r, i) => {
    left = { k: "binary", op: "OR", left, right: andExpression(r), pos: pos(c.Or![i]!) };
  });
  return left;
}

function andExpression(node: C.AndExpressionCstNode): AstExpr {
  const c = node.children;
  let left = notExpression(first(c.lhs));
  (c.rhs ?? []).forEach((r, i) => {
    left = { k: "binary", op: "AND", left, right: notExpression(r), pos: pos(c.And![i]!) };
  });
  return left;
}

function notExpression(node: C.NotExpressionCstNode): AstExpr {
  let e = comparison(first(node.children.comparisonExpression));
  for (const not of [...(node.children.Not ?? [])].reverse()) e = { k: "not", arg: e, pos: pos(not) };
  return e;
}

const COMPARISON: Readonly<Record<string, BinaryOp>> = { "=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

function comparison(node: C.ComparisonExpressionCstNode): AstExpr {
  const c = node.children;
  const lhs = additive(first(c.lhs));
  if (c.ComparisonOperator) {
    const op = first(c.ComparisonOperator);
    return { k: "binary", op: COMPARISON[op.image]!, left: lhs, right: additive(first(c.rhs)), pos: pos(op) };
  }
  const negated = c.Not !== undefined;
  if (c.isPredicate) {
    const i = first(c.isPredicate).children;
    return { k: "is", arg: lhs, test: i.Null ? "NULL" : i.True ? "TRUE" : "FALSE", negated: i.Not !== undefined, pos: pos(first(i.Is)) };
  }
  if (c.likePredicate) {
    const l = first(c.likePredicate).children;
    return { k: "like", arg: lhs, pattern: additive(first(l.pattern)), negated, pos: pos(first(l.Like)) };
  }
  if (c.inPredicate) {
    const i = first(c.inPredicate).children;
    return { k: "in", arg: lhs, values: i.values.map(expression), negated, pos: pos(first(i.In)) };
  }
  if (c.betweenPredicate) {
    const b = first(c.betweenPredicate).children;
    return { k: "between", arg: lhs, low: additive(first(b.low)), high: additive(first(b.high)), negated, pos: pos(first(b.Between)) };
  }
  return lhs;
}

function additive(node: C.AdditiveExpressionCstNode): AstExpr {
  const c = node.children;
  let left = multiplicative(first(c.lhs));
  (c.rhs ?? []).forEach((r, i) => {
    const op = c.AdditiveOperator![i]!;
    left = { k: "binary", op: op.image as BinaryOp, left, right: multiplicative(r), pos: pos(op) };
  });
  return left;
}

function multiplicative(node: C.MultiplicativeExpressionCstNode): AstExpr {
  const c = node.children;
  let left = unary(first(c.lhs));
  (c.rhs ?? []).forEach((r, i) => {
    const op = c.MultiplicativeOperator![i]!;
    left = { k: "binary", op: op.image as BinaryOp, left, right: unary(r), pos: pos(op) };
  });
  return left;
}

function unary(node: C.UnaryExpressionCstNode): AstExpr {
  let e = primary(first(node.children.primaryExpression));
  for (const sign of [...(node.children.sign ?? [])].reverse()) {
    if (sign.image === "-") {
      // fold -literal so `-5` is a literal (and `BIGINT` minimum values parse)
      e = e.k === "lit" && typeof e.value === "number" ? { ...e, value: -e.value, pos: pos(sign) } : { k: "neg", arg: e, pos: pos(sign) };
    }
  }
  return e;
}

const UNIT_MS = { Millisecond: 1, Second: 1000, Minute: 60_000, Hour: 3_600_000, Day: 86_400_000 } as const;

function primary(node: C.PrimaryExpressionCstNode): AstExpr {
  const c = node.children;
  if (c.literal) return literal(first(c.literal));
  if (c.intervalLiteral) {
    const i = first(c.intervalLiteral).children;
    const valueToken = first(i.value);
    const text = valueToken.image.startsWith("'") ? stringValue(valueToken).trim() : valueToken.image;
    const n = Number(text);
    if (text === "" || !Number.isFinite(n) || n < 0) throw new SqlError(`INTERVAL needs a non-negative number, got '${text}'`, pos(valueToken));
    const unit = Object.keys(first(i.timeUnit).children)[0] as keyof typeof UNIT_MS;
    return { k: "interval", ms: Math.round(n * UNIT_MS[unit]), pos: pos(first(i.Interval)) };
  }
  if (c.caseExpression) {
    const k = first(c.caseExpression).children;
    return {
      k: "case",
      operand: k.operand ? expression(first(k.operand)) : null,
      whens: k.whenClause.map((w) => ({ when: expression(first(w.children.condition)), then: expression(first(w.children.result)) })),
      otherwise: k.otherwise ? expression(first(k.otherwise)) : null,
      pos: pos(first(k.Case)),
    };
  }
  if (c.castExpression) {
    const k = first(c.castExpression).children;
    return { k: "cast", arg: expression(first(k.expression)), type: dataType(first(k.dataType)), pos: pos(first(k.Cast)) };
  }
  if (c.functionCall) {
    const f = first(c.functionCall).children;
    const nameToken = first(f.name);
    const name = ident(nameToken).toUpperCase();
    let args = (f.arguments ?? []).map(expression);
    if (f.fromArgument) {
      const from = expression(first(f.fromArgument));
      const forArg = f.forArgument ? [expression(first(f.forArgument))] : [];
      if (name === "SUBSTRING" && args.length === 1) args = [...args, from, ...forArg];
      else if (name === "EXTRACT" && args.length === 1 && forArg.length === 0 && args[0]!.k === "col" && args[0]!.parts.length === 1) {
        // EXTRACT(unit FROM ts) is the unit's function: YEAR(ts), MONTH(ts), DAY(ts) -> DAYOFMONTH, HOUR(ts), ...
        const unit = args[0]!.parts[0]!.toUpperCase();
        const fn = unit === "DAY" ? "DAYOFMONTH" : unit;
        if (!["YEAR", "MONTH", "DAYOFMONTH", "HOUR", "MINUTE", "SECOND", "DAYOFWEEK"].includes(fn)) {
          throw new SqlError(`EXTRACT supports YEAR, MONTH, DAY, HOUR, MINUTE, SECOND and DAYOFWEEK, got ${unit}`, args[0]!.pos);
        }
        return { k: "call", name: fn, args: [from], star: false, distinct: false, over: null, pos: pos(nameToken) };
      } else throw new SqlError(`FROM inside a call is only valid as SUBSTRING(s FROM start [FOR length]) or EXTRACT(unit FROM timestamp)`, pos(nameToken));
    }
    return {
      k: "call",
      name,
      args,
      star: f.Star !== undefined,
      distinct: f.Distinct !== undefined,
      over: f.overClause ? overClause(first(f.overClause)) : null,
      pos: pos(nameToken),
    };
  }
  if (c.columnReference) return columnReference(first(c.columnReference));
  return expression(first(first(c.parenthesisExpression).children.expression));
}

function overClause(node: C.OverClauseCstNode): OverClause {
  const c = node.children;
  return { partitionBy: (c.partitionKeys ?? []).map(expression), orderBy: (c.orderItem ?? []).map(orderItem) };
}

function columnReference(node: C.ColumnReferenceCstNode): AstExpr {
  const parts = node.children.parts;
  return { k: "col", parts: parts.map(ident), pos: pos(parts[0]!) };
}

function literal(node: C.LiteralCstNode): AstExpr {
  const c = node.children;
  if (c.NumberLiteral) {
    const t = first(c.NumberLiteral);
    return { k: "lit", value: Number(t.image), integer: /^\d+$/.test(t.image), pos: pos(t) };
  }
  if (c.StringLiteral) {
    const t = first(c.StringLiteral);
    return { k: "lit", value: stringValue(t), integer: false, pos: pos(t) };
  }
  const t = (c.True ?? c.False ?? c.Null)![0]!;
  return { k: "lit", value: c.True ? true : c.False ? false : null, integer: false, pos: pos(t) };
}
