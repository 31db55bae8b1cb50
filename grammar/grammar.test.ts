/**
 * Tests of the SQL grammar: every statement form (asserting CST shape, not just "no errors"),
 * operator precedence, lexical details, error messages with line/column/expected, and parse speed.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Lexer, type IToken } from "chevrotain";
import {
  describeExpected,
  formatSqlError,
  parseSql,
  parseSqlExpression,
  type AdditiveExpressionCstNode,
  type ComparisonExpressionCstNode,
  type ExpressionCstNode,
  type MultiplicativeExpressionCstNode,
  type PrimaryExpressionCstNode,
  type QueryCstNode,
  type SelectStatementCstNode,
  type StatementCstNode,
  type TableSourceCstNode,
  type UnaryExpressionCstNode,
} from "./api.ts";
import { CST_DTS_PATH, renderCstDts } from "./generate-dts.ts";
import { SQL_LEXER_CONFIG } from "./lexer.ts";
import { SqlParser } from "./parser.ts";
import { allTokens, Kw } from "./tokens.ts";

// -----------------------------------------------------------------------------------------------------
// Helpers: parse without errors, and render expressions as s-expressions so precedence is visible.
// -----------------------------------------------------------------------------------------------------

function statements(sql: string): StatementCstNode[] {
  const { cst, errors } = parseSql(sql);
  expect(errors).toEqual([]);
  return cst.children.statement ?? [];
}

function only<T>(xs: readonly T[] | undefined): T {
  expect(xs?.length).toBe(1);
  return xs![0]!;
}

const img = (ts: readonly IToken[] | undefined): string[] => (ts ?? []).map((t) => t.image);

function select(sql: string): SelectStatementCstNode {
  return only(only(only(statements(sql)).children.query).children.selectStatement);
}

/** `(op lhs rhs)` for binary levels, the bare text for leaves: a tiny visitor over the generated types. */
function sexp(e: ExpressionCstNode): string {
  const chain = (ops: string[], parts: string[]): string => parts.slice(1).reduce((acc, p, i) => `(${ops[i]} ${acc} ${p})`, parts[0]!);
  const or = (n: ExpressionCstNode): string => chain(img(n.children.Or), [...n.children.lhs, ...(n.children.rhs ?? [])].map((a) => and(a)));
  const and = (n: ExpressionCstNode["children"]["lhs"][number]): string =>
    chain(img(n.children.And), [...n.children.lhs, ...(n.children.rhs ?? [])].map((x) => {
      const nots = x.children.Not?.length ?? 0;
      return "(NOT ".repeat(nots) + cmp(only(x.children.comparisonExpression)) + ")".repeat(nots);
    }));
  const cmp = (n: ComparisonExpressionCstNode): string => {
    const c = n.children;
    const lhs = add(only(c.lhs));
    if (c.ComparisonOperator) return `(${c.ComparisonOperator[0]!.image} ${lhs} ${add(only(c.rhs))})`;
    if (c.isPredicate) return `(IS${c.isPredicate[0]!.children.Not ? " NOT" : ""} ${lhs})`;
    const not = c.Not ? "NOT " : "";
    if (c.likePredicate) return `(${not}LIKE ${lhs} ${add(only(c.likePredicate[0]!.children.pattern))})`;
    if (c.inPredicate) return `(${not}IN ${lhs} ${c.inPredicate[0]!.children.values.map(sexp).join(" ")})`;
    if (c.betweenPredicate) {
      const b = c.betweenPredicate[0]!.children;
      return `(${not}BETWEEN ${lhs} ${add(only(b.low))} ${add(only(b.high))})`;
    }
    return lhs;
  };
  const add = (n: AdditiveExpressionCstNode): string => chain(img(n.children.AdditiveOperator), [...n.children.lhs, ...(n.children.rhs ?? [])].map(mul));
  const mul = (n: MultiplicativeExpressionCstNode): string => chain(img(n.children.MultiplicativeOperator), [...n.children.lhs, ...(n.children.rhs ?? [])].map(unary));
  const unary = (n: UnaryExpressionCstNode): string => img(n.children.sign).reduceRight((acc, s) => `(${s} ${acc})`, primary(only(n.children.primaryExpression)));
  const primary = (n: PrimaryExpressionCstNode): string => {
    const c = n.children;
    if (c.parenthesisExpression) return sexp(only(c.parenthesisExpression[0]!.children.expression));
    if (c.columnReference) return img(c.columnReference[0]!.children.parts).join(".");
    if (c.literal) return only(Object.values(c.literal[0]!.children).flat() as IToken[]).image;
    if (c.functionCall) {
      const f = c.functionCall[0]!.children;
      const args = f.Star ? ["*"] : (f.arguments ?? []).map(sexp);
      return `${f.name[0]!.image}(${f.Distinct ? "DISTINCT " : ""}${args.join(", ")})`;
    }
    if (c.intervalLiteral) {
      const i = c.intervalLiteral[0]!.children;
      return `INTERVAL ${i.value![0]!.image} ${(Object.values(i.timeUnit[0]!.children).flat()[0] as IToken).image}`;
    }
    if (c.castExpression) return `CAST(${sexp(only(c.castExpression[0]!.children.expression))})`;
    return "CASE";
  };
  return or(e);
}

function expr(text: string): string {
  const { cst, errors } = parseSqlExpression(text);
  expect(errors).toEqual([]);
  return sexp(cst);
}

function firstError(sql: string) {
  const { errors } = parseSql(sql);
  expect(errors.length).toBeGreaterThan(0);
  return errors[0]!;
}

// -----------------------------------------------------------------------------------------------------

describe("statements", () => {
  test("CREATE TABLE with columns, precision, NOT NULL, computed column, watermark and WITH options", () => {
    const sql = `CREATE TABLE bids (
        auction BIGINT NOT NULL,
        price DOUBLE,
        channel VARCHAR(100),
        ts TIMESTAMP(3),
        cents AS price * 100,
        WATERMARK FOR ts AS ts - INTERVAL '4' SECOND
      ) WITH ('connector' = 'datagen', 'rows-per-second' = '10', format = 'json', fields.id.kind = 'sequence')`;
    const create = only(only(statements(sql)).children.createTableStatement).children;
    expect(img(only(create.qualifiedName).children.parts)).toEqual(["bids"]);
    const elements = create.tableElement.map((e) => e.children);
    const columns = elements.flatMap((e) => e.columnDefinition ?? []).map((c) => c.children);
    expect(columns.map((c) => c.name[0]!.image)).toEqual(["auction", "price", "channel", "ts", "cents"]);
    expect(columns.map((c) => (c.dataType ? Object.keys(c.dataType[0]!.children).filter((k) => k in Kw).join() : "computed"))).toEqual([
      "Bigint",
      "Double",
      "Varchar",
      "Timestamp",
      "computed",
    ]);
    expect(columns[0]!.Not).toBeDefined();
    expect(img(columns[3]!.dataType![0]!.children.precision)).toEqual(["3"]);
    expect(sexp(only(columns[4]!.computed))).toBe("(* price 100)");
    const watermark = only(elements.flatMap((e) => e.watermarkDefinition ?? [])).children;
    expect(watermark.column[0]!.image).toBe("ts");
    expect(sexp(only(watermark.expression))).toBe("(- ts INTERVAL '4' SECOND)");
    const props = only(create.withOptions).children.property!.map((p) => p.children);
    expect(props.map((p) => (p.key ? p.key[0]!.image : img(p.name![0]!.children.parts).join(".")))).toEqual([
      "'connector'",
      "'rows-per-second'",
      "format",
      "fields.id.kind",
    ]);
    expect(props.map((p) => only(Object.values(only(p.value).children).flat() as IToken[]).image)).toEqual(["'datagen'", "'10'", "'json'", "'sequence'"]);
  });

  test("SELECT with DISTINCT, *, aliases, WHERE, GROUP BY, HAVING, ORDER BY and LIMIT", () => {
    const stmt = only(only(statements(`SELECT DISTINCT *, a AS x, b y, COUNT(*) c FROM nexmark.bid AS b
      WHERE price > 10 GROUP BY a, b HAVING COUNT(*) > 1 ORDER BY a DESC, b LIMIT 5`)).children.query);
    const s = only(stmt.children.selectStatement).children;
    expect(s.Distinct).toBeDefined();
    const items = s.selectItem.map((i) => i.children);
    expect(items[0]!.Star).toBeDefined();
    expect(items.slice(1).map((i) => [sexp(only(i.expression)), i.alias![0]!.children.name[0]!.image, !!i.alias![0]!.children.As])).toEqual([
      ["a", "x", true],
      ["b", "y", false],
      ["COUNT(*)", "c", false],
    ]);
    const source = only(only(s.fromClause).children.tableSource).children;
    expect(img(only(source.qualifiedName).children.parts)).toEqual(["nexmark", "bid"]);
    expect(only(source.alias).children.name[0]!.image).toBe("b");
    expect(sexp(only(only(s.whereClause).children.expression))).toBe("(> price 10)");
    expect(only(s.groupByClause).children.expression.map(sexp)).toEqual(["a", "b"]);
    expect(sexp(only(only(s.havingClause).children.expression))).toBe("(> COUNT(*) 1)");
    const order = only(stmt.children.orderByClause).children.orderItem.map((o) => [sexp(only(o.children.expression)), o.children.Desc ? "DESC" : "ASC"]);
    expect(order).toEqual([
      ["a", "DESC"],
      ["b", "ASC"],
    ]);
    expect(only(stmt.children.limitClause).children.count[0]!.image).toBe("5");
  });

  const sourceOf = (sql: string): TableSourceCstNode["children"] => only(only(select(sql).children.fromClause).children.tableSource).children;

  test("window TVFs: TABLE(TUMBLE(...)), HOP, SESSION with PARTITION BY, and Flink's bare form", () => {
    const tumble = sourceOf("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND)) GROUP BY window_start, window_end");
    const w = only(tumble.windowFunction).children;
    expect(tumble.Table).toBeDefined();
    expect(w.Tumble).toBeDefined();
    expect(img(only(w.table).children.parts)).toEqual(["bid"]);
    expect(w.timeColumn[0]!.image).toBe("dateTime");
    expect(w.arguments.map(sexp)).toEqual(["INTERVAL '10' SECOND"]);

    const hop = only(sourceOf("SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)) AS w").windowFunction).children;
    expect(hop.Hop).toBeDefined();
    expect(hop.arguments.map(sexp)).toEqual(["INTERVAL '2' SECOND", "INTERVAL '10' SECOND"]);

    const session = only(sourceOf("SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), INTERVAL '5' MINUTE))").windowFunction).children;
    expect(session.Session).toBeDefined();
    expect(session.partitionKeys!.map((k) => img(k.children.parts).join("."))).toEqual(["k"]);

    const bare = sourceOf("SELECT * FROM TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' HOUR)");
    expect(bare.Table).toBeUndefined();
    expect(only(bare.windowFunction).children.Tumble).toBeDefined();
  });

  test("a table named like a window function is still a table; GROUP BY TUMBLE(...) is a function call", () => {
    expect(img(only(sourceOf("SELECT a FROM tumble t").qualifiedName).children.parts)).toEqual(["tumble"]);
    const s = select("SELECT TUMBLE_START(ts, INTERVAL '1' MINUTE), COUNT(*) FROM t GROUP BY TUMBLE(ts, INTERVAL '1' MINUTE), k");
    expect(only(s.children.groupByClause).children.expression.map(sexp)).toEqual(["TUMBLE(ts, INTERVAL '1' MINUTE)", "k"]);
  });

  test("subqueries, joins and UNION ALL", () => {
    const sub = sourceOf("SELECT x FROM (SELECT a AS x FROM t WHERE a > 1) AS s");
    expect(only(only(sub.subquery).children.selectStatement).children.selectItem).toHaveLength(1);
    expect(only(sub.alias).children.name[0]!.image).toBe("s");

    const from = only(select("SELECT * FROM a JOIN b ON a.id = b.id LEFT OUTER JOIN c ON c.k = a.k").children.fromClause).children;
    expect(from.joinClause!.map((j) => [j.children.Left ? "LEFT" : "INNER", sexp(only(j.children.condition))])).toEqual([
      ["INNER", "(= a.id b.id)"],
      ["LEFT", "(= c.k a.k)"],
    ]);

    const q = only(only(statements("SELECT a FROM t UNION ALL SELECT a FROM u UNION SELECT a FROM v")).children.query).children;
    expect(q.selectStatement).toHaveLength(3);
    expect(q.unionClause!.map((u) => !!u.children.All)).toEqual([true, false]);
  });

  test("INSERT INTO, EXPLAIN, SET and multi-statement scripts", () => {
    const script = statements(`
      SET 'parallelism.default' = '2';
      CREATE TABLE sink (a BIGINT) WITH ('connector' = 'stdout');
      INSERT INTO sink SELECT a FROM src;
      EXPLAIN SELECT a FROM src;
      EXPLAIN INSERT INTO sink SELECT a FROM src;;
    `);
    expect(script.map((s) => Object.keys(s.children)[0])).toEqual(["setStatement", "createTableStatement", "insertStatement", "explainStatement", "explainStatement"]);
    const set = only(script[0]!.children.setStatement).children;
    expect([set.key[0]!.image, set.value[0]!.image]).toEqual(["'parallelism.default'", "'2'"]);
    const insert = only(script[2]!.children.insertStatement).children;
    expect(img(only(insert.target).children.parts)).toEqual(["sink"]);
    expect(only(insert.query).children.selectStatement).toHaveLength(1);
    expect(only(script[3]!.children.explainStatement).children.query).toHaveLength(1);
    expect(only(script[4]!.children.explainStatement).children.insertStatement).toHaveLength(1);
  });

  test("an empty script is valid", () => {
    expect(statements("")).toEqual([]);
    expect(statements(" ; -- nothing\n")).toEqual([]);
  });
});

describe("expressions", () => {
  test("precedence: * over +, AND over OR, NOT over AND, comparison over NOT", () => {
    expect(expr("a + b * c")).toBe("(+ a (* b c))");
    expect(expr("(a + b) * c")).toBe("(* (+ a b) c)");
    expect(expr("a - b - c")).toBe("(- (- a b) c)");
    expect(expr("NOT a AND b")).toBe("(AND (NOT a) b)");
    expect(expr("a OR b AND c")).toBe("(OR a (AND b c))");
    expect(expr("NOT a = b OR c")).toBe("(OR (NOT (= a b)) c)");
    expect(expr("a = 1 AND b <> 2 OR c != 3")).toBe("(OR (AND (= a 1) (<> b 2)) (!= c 3))");
    expect(expr("x || 'a' = y")).toBe("(= (|| x 'a') y)");
    expect(expr("-a * b % 3")).toBe("(% (* (- a) b) 3)");
    expect(expr("a / - - b")).toBe("(/ a (- (- b)))");
  });

  test("IS [NOT] NULL, [NOT] LIKE, [NOT] IN, [NOT] BETWEEN (whose AND is not boolean AND)", () => {
    expect(expr("a IS NULL")).toBe("(IS a)");
    expect(expr("a IS NOT NULL AND b")).toBe("(AND (IS NOT a) b)");
    expect(expr("name NOT LIKE 'A%'")).toBe("(NOT LIKE name 'A%')");
    expect(expr("c IN (1, 2, 3 + 4)")).toBe("(IN c 1 2 (+ 3 4))");
    expect(expr("c NOT IN ('x')")).toBe("(NOT IN c 'x')");
    expect(expr("p BETWEEN 1 AND 2 + 3 AND q")).toBe("(AND (BETWEEN p 1 (+ 2 3)) q)");
    expect(expr("p NOT BETWEEN 1 AND 2")).toBe("(NOT BETWEEN p 1 2)");
    expect(expr("a <= 1 OR b >= 2 OR c < 3 OR d > 4")).toBe("(OR (OR (OR (<= a 1) (>= b 2)) (< c 3)) (> d 4))");
  });

  test("functions, COUNT(DISTINCT), CAST, INTERVAL units, literals and column refs", () => {
    expect(expr("COUNT(DISTINCT bidder)")).toBe("COUNT(DISTINCT bidder)");
    expect(expr("now()")).toBe("now()");
    expect(expr("SUBSTRING(UPPER(b.name), 1, 3)")).toBe("SUBSTRING(UPPER(b.name), 1, 3)");
    expect(expr("CAST(price AS BIGINT) * 2")).toBe("(* CAST(price) 2)");
    for (const unit of ["MILLISECOND", "SECOND", "MINUTE", "HOUR", "DAY"]) expect(expr(`INTERVAL '3' ${unit}`)).toBe(`INTERVAL '3' ${unit}`);
    expect(expr("TRUE OR FALSE OR NULL OR 1.5 OR .5 OR 2e3")).toBe("(OR (OR (OR (OR (OR TRUE FALSE) NULL) 1.5) .5) 2e3)");
  });

  test("ranking functions with OVER (PARTITION BY ... ORDER BY ...), as in a window Top-N", () => {
    const q = select(
      "SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY price DESC, bidder) AS rn FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))",
    );
    const item = q.children.selectItem[1]!.children;
    const call = only(only(only(only(only(only(only(only(only(item.expression).children.lhs).children.lhs).children.comparisonExpression).children.lhs).children.lhs).children.lhs).children.primaryExpression).children.functionCall);
    const over = only(call.children.overClause).children;
    expect(img(call.children.name)).toEqual(["ROW_NUMBER"]);
    expect(over.partitionKeys!.map((k) => sexp(k))).toEqual(["window_start", "window_end"]);
    expect(over.orderItem!.map((o) => [sexp(only(o.children.expression)), img(o.children.Desc).length])).toEqual([["price", 1], ["bidder", 0]]);
    expect(only(item.alias).children.name[0]!.image).toBe("rn");
    // an empty OVER () parses (the planner then asks for PARTITION BY window_start, window_end)
    expect(parseSql("SELECT RANK() OVER () FROM t").errors).toEqual([]);
    expect(parseSql("SELECT RANK() OVER (ORDER BY) FROM t").errors[0]!.message).toMatch(/^line 1, column 29: expected/);
  });

  test("searched and simple CASE", () => {
    const searched = parseSqlExpression("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END");
    expect(searched.errors).toEqual([]);
    const c = only(only(only(only(only(only(searched.cst.children.lhs).children.lhs).children.comparisonExpression).children.lhs).children.lhs).children.lhs)
      .children.primaryExpression[0]!.children.caseExpression![0]!.children;
    expect(c.operand).toBeUndefined();
    expect(c.whenClause.map((w) => [sexp(only(w.children.condition)), sexp(only(w.children.result))])).toEqual([
      ["(> a 1)", "'big'"],
      ["(> a 0)", "'small'"],
    ]);
    expect(sexp(only(c.otherwise))).toBe("'none'");

    const simple = select("SELECT CASE channel WHEN 'apple' THEN 0 WHEN 'google' THEN 1 END AS c FROM bid");
    const item = only(only(simple.children.selectItem).children.expression);
    const caseNode = only(only(only(only(only(only(item.children.lhs).children.lhs).children.comparisonExpression).children.lhs).children.lhs).children.lhs)
      .children.primaryExpression[0]!.children.caseExpression![0]!.children;
    expect(sexp(only(caseNode.operand))).toBe("channel");
    expect(caseNode.whenClause).toHaveLength(2);
    expect(caseNode.Else).toBeUndefined();
  });
});

describe("lexical structure", () => {
  test("keywords are case-insensitive", () => {
    const s = select("select DISTINCT a As x fRoM t wHeRe a iS nOt NuLl gRoUp By a");
    expect(s.children.Distinct).toBeDefined();
    expect(s.children.whereClause).toHaveLength(1);
    expect(s.children.groupByClause).toHaveLength(1);
  });

  test("keywords do not swallow identifiers that start with them", () => {
    const s = select("SELECT selection, fromage, order_id, interval_ms, integer_col, inx, asset, ends, nothing FROM tables_x");
    expect(s.children.selectItem.map((i) => sexp(only(i.children.expression)))).toEqual([
      "selection",
      "fromage",
      "order_id",
      "interval_ms",
      "integer_col",
      "inx",
      "asset",
      "ends",
      "nothing",
    ]);
  });

  test("non-reserved keywords (time units, window functions) work as names", () => {
    expect(expr("second + hour + tumble")).toBe("(+ (+ second hour) tumble)");
  });

  test("backquoted identifiers, including reserved words and escaped backquotes", () => {
    const s = select("SELECT `select`, `my col`, `a``b` FROM `from`");
    expect(s.children.selectItem.map((i) => sexp(only(i.children.expression)))).toEqual(["`select`", "`my col`", "`a``b`"]);
  });

  test("string literals with '' escapes", () => {
    expect(expr("'it''s' || ''")).toBe("(|| 'it''s' '')");
  });

  test("line and block comments are skipped", () => {
    const s = select(`-- leading comment
      SELECT a, /* inline */ b -- trailing
      FROM /* multi
      line */ t`);
    expect(s.children.selectItem).toHaveLength(2);
  });

  test("every keyword's Kw key is its token name (the CST children key)", () => {
    for (const [key, token] of Object.entries(Kw)) expect(token.name).toBe(key);
  });
});

describe("syntax errors", () => {
  test("missing FROM: a misspelt keyword is blamed, not the token after it", () => {
    const e = firstError("SELECT a, b, c FORM t");
    expect(e).toMatchObject({ line: 1, column: 16, expected: ["FROM"], message: "line 1, column 16: expected FROM but found 'FORM'" });
    expect(firstError("SELECT a b c FROM t")).toMatchObject({ column: 12, message: "line 1, column 12: expected FROM but found 'c'" });
    expect(firstError("SELEC a FROM t").message).toBe("line 1, column 1: expected SELECT but found 'SELEC'");
    expect(firstError("SELECT a FROM t LIMT 10").message).toBe("line 1, column 17: expected LIMIT but found 'LIMT'");
  });

  test("no FROM at all", () => {
    expect(firstError("SELECT a").message).toBe("line 1, column 9: expected FROM but found end of input");
  });

  test("unbalanced parentheses", () => {
    const open = firstError("SELECT a FROM t WHERE (a = 1");
    expect(open).toMatchObject({ line: 1, column: 29, expected: ["')'"] });
    expect(open.message).toBe("line 1, column 29: expected ')' but found end of input");
    const close = firstError("SELECT a FROM t WHERE a = 1)");
    expect(close.message).toBe("line 1, column 28: unexpected ')' after the end of the statement");
    expect(close.expected).toContain("';'");
    expect(close.expected).toContain("GROUP");
  });

  test("a bad character is named with its position", () => {
    const e = firstError("SELECT a # b FROM t");
    expect(e).toMatchObject({ line: 1, column: 10, offset: 9, expected: [], message: "line 1, column 10: unexpected character '#'" });
  });

  test("trailing garbage", () => {
    expect(firstError("SELECT a FROM t WHERE x = 1 2").message).toBe("line 1, column 29: unexpected '2' after the end of the statement");
  });

  test("unterminated string and comment are reported first, at their start", () => {
    expect(firstError("SELECT a FROM t WHERE x = 'abc").message).toBe("line 1, column 27: unterminated string: missing closing quote");
    expect(firstError("SELECT a FROM t /* oops").message).toBe("line 1, column 17: unterminated comment: missing */");
  });

  test("an error on line 2 reports line 2 and the column within it", () => {
    const e = firstError("SELECT a,\n  b FROM t WHERE a = = 2");
    expect(e).toMatchObject({ line: 2, column: 22 });
    expect(e.message).toBe("line 2, column 22: expected expression but found '='");
    expect(e.expected).toEqual(expect.arrayContaining(["identifier", "number", "string", "'('"]));
    expect(formatSqlError(e, "SELECT a,\n  b FROM t WHERE a = = 2")).toBe("line 2, column 22: expected expression but found '='\n    b FROM t WHERE a = = 2\n                       ^");
  });

  test("typical mistakes in clauses", () => {
    expect(firstError("SELECT FROM t").message).toBe("line 1, column 8: expected '*' or expression but found 'FROM'");
    expect(firstError("SELECT a FROM t GROUP a").message).toBe("line 1, column 23: expected BY but found 'a'");
    expect(firstError("SELECT CASE WHEN a THEN b FROM t").message).toBe("line 1, column 27: expected END but found 'FROM'");
    expect(firstError("SELECT a FROM TABLE(TUMBLE(TABLE t, ts, INTERVAL '1' SECOND))").message).toBe("line 1, column 37: expected DESCRIPTOR but found 'ts'");
    expect(firstError("CREATE TABLE t (a BIGINT, WATERMARK FOR a AS) WITH ('x' = 'y')").message).toBe("line 1, column 45: expected expression but found ')'");
    expect(firstError("CREATE TABLE t (a BIGINTT)").message).toBe("line 1, column 19: expected BIGINT but found 'BIGINTT'");
    expect(firstError("SET parallelism = 2").message).toBe("line 1, column 5: expected string but found 'parallelism'");
    expect(firstError("SELECT a FROM").message).toBe("line 1, column 14: expected TABLE, TUMBLE, HOP, SESSION, '(' or identifier but found end of input");
  });

  test("recovers to report errors in later statements", () => {
    const { cst, errors } = parseSql("SELECT FROM t;\nSELECT a FROM u;\nSELECT b FORM v");
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [1, 8],
      [3, 10],
    ]);
    expect(cst.children.statement?.length).toBeGreaterThanOrEqual(2);
  });

  test("describeExpected folds expression starters and keeps lists short", () => {
    expect(describeExpected(["FROM"])).toBe("FROM");
    expect(describeExpected(["','", "FROM"])).toBe("',' or FROM");
    expect(describeExpected(["'*'", "identifier", "number", "string", "'('"])).toBe("'*' or expression");
    expect(describeExpected(["A", "B", "C", "D", "E", "F", "G"])).toBe("A, B, C, D, E or ...");
  });
});

describe("grammar validation", () => {
  test("the shared lexer and parser skip Chevrotain's validations at start-up; built with them on, the grammar passes", () => {
    expect(() => new Lexer([...allTokens], { ...SQL_LEXER_CONFIG, skipValidations: false, ensureOptimizations: true })).not.toThrow();
    expect(() => new SqlParser({ skipValidations: false })).not.toThrow();
  });
});

describe("generated cst.d.ts", () => {
  test("the committed file matches the grammar (run `bun run grammar:dts` after editing parser.ts)", () => {
    expect(readFileSync(CST_DTS_PATH, "utf8")).toBe(renderCstDts());
  });
});

describe("performance", () => {
  test("1000 parses of a typical windowed query (timing reported, not asserted)", () => {
    const sql = `SELECT auction, window_start, window_end, COUNT(*) AS bids, MAX(price) AS top
      FROM TABLE(TUMBLE(TABLE nexmark.bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND))
      WHERE price > 100 AND channel IN ('apple', 'google') OR bidder IS NOT NULL
      GROUP BY auction, window_start, window_end HAVING COUNT(*) > 2`;
    for (let i = 0; i < 50; i++) parseSql(sql); // warm-up
    const started = performance.now();
    for (let i = 0; i < 1000; i++) expect(parseSql(sql).errors.length).toBe(0);
    const ms = performance.now() - started;
    console.log(`grammar: 1000 parses of a ${sql.length}-char windowed query took ${ms.toFixed(1)} ms (${(ms / 1000).toFixed(3)} ms each)`);
    expect(ms).toBeGreaterThan(0);
  });
});
