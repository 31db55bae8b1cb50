/**
 * The streaming SQL grammar as a pure Chevrotain CstParser: rules only, no semantics.
 *
 * Why a CstParser and not embedded actions: the grammar then stays declarative and reusable (error
 * reporting, content assist, syntax diagrams, `cst.d.ts` generation all read the same rules), and the
 * meaning lives in one place, the visitor in src/sql, typed by the generated cst.d.ts. Embedded actions
 * would tangle AST building into the rules, run during Chevrotain's recording phase, and make every
 * change to the AST a change to the grammar. Building the CST costs a little speed, which is irrelevant
 * for statements parsed once per job (see the timing test).
 *
 * Expression precedence, loosest first (one rule per level, each `lhs (op rhs)*`, as in Chevrotain's
 * calculator_pure_grammar example):
 *
 *   OR < AND < NOT < comparison (= <> != < <= > >=, IS [NOT] NULL, [NOT] LIKE / IN / BETWEEN)
 *      < additive (+ - ||) < multiplicative (* / %) < unary sign (- +) < primary
 *
 * NOT is a prefix at its own level (`NOT a = b` is `NOT (a = b)`), as in standard SQL.
 */
import { CstParser, type IParserConfig } from "chevrotain";
import {
  AdditiveOperator,
  allTokens,
  Comma,
  ComparisonOperator,
  Dot,
  Equals,
  Identifier,
  Kw,
  LParen,
  Minus,
  MultiplicativeOperator,
  NumberLiteral,
  Plus,
  RParen,
  Semicolon,
  Star,
  StringLiteral,
  TIME_UNIT_KEYWORDS,
  TYPE_KEYWORDS,
} from "./tokens.ts";

/** Rules a caller may start from: `script` for files, `statement` for one statement, `expression`. */
export type SqlEntryRule = "script" | "statement" | "expression";

/** The SQL grammar. Construct once (construction analyses the grammar) and reuse via `input`. */
export class SqlParser extends CstParser {
  constructor(config: IParserConfig = {}) {
    super([...allTokens], { recoveryEnabled: true, nodeLocationTracking: "full", maxLookahead: 3, ...config });
    this.performSelfAnalysis();
  }

  // -------------------------------------------------------------------------------------------------
  // Scripts and statements
  // -------------------------------------------------------------------------------------------------

  /** `stmt ; stmt ; ...`, empty statements and a trailing `;` allowed. */
  public readonly script = this.RULE("script", () => {
    this.OPTION(() => this.SUBRULE(this.statement));
    this.MANY(() => {
      this.CONSUME(Semicolon);
      this.OPTION2(() => this.SUBRULE2(this.statement));
    });
  });

  public readonly statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.createTableStatement) },
      { ALT: () => this.SUBRULE(this.insertStatement) },
      { ALT: () => this.SUBRULE(this.explainStatement) },
      { ALT: () => this.SUBRULE(this.setStatement) },
      { ALT: () => this.SUBRULE(this.query) },
    ]);
  });

  /** `CREATE TABLE name (col TYPE, ..., WATERMARK FOR col AS expr) [WITH ('k' = 'v', ...)]`. */
  public readonly createTableStatement = this.RULE("createTableStatement", () => {
    this.CONSUME(Kw.Create);
    this.CONSUME(Kw.Table);
    this.SUBRULE(this.qualifiedName);
    this.CONSUME(LParen);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.tableElement) });
    this.CONSUME(RParen);
    this.OPTION(() => this.SUBRULE(this.withOptions));
  });

  public readonly tableElement = this.RULE("tableElement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.watermarkDefinition) },
      { ALT: () => this.SUBRULE(this.columnDefinition) },
    ]);
  });

  /** `name TYPE [NOT NULL]`, or a computed column `name AS expr`. */
  public readonly columnDefinition = this.RULE("columnDefinition", () => {
    this.CONSUME(Identifier, { LABEL: "name" });
    this.OR([
      {
        ALT: () => {
          this.SUBRULE(this.dataType);
          this.OPTION(() => {
            this.CONSUME(Kw.Not);
            this.CONSUME(Kw.Null);
          });
        },
      },
      {
        ALT: () => {
          this.CONSUME(Kw.As);
          this.SUBRULE(this.expression, { LABEL: "computed" });
        },
      },
    ]);
  });

  /** `WATERMARK FOR ts AS ts - INTERVAL '1' SECOND`. */
  public readonly watermarkDefinition = this.RULE("watermarkDefinition", () => {
    this.CONSUME(Kw.Watermark);
    this.CONSUME(Kw.For);
    this.CONSUME(Identifier, { LABEL: "column" });
    this.CONSUME(Kw.As);
    this.SUBRULE(this.expression);
  });

  /** `WITH ('connector' = 'datagen', format = 'json', ...)`: Flink quotes keys; bare dotted keys also pass. */
  public readonly withOptions = this.RULE("withOptions", () => {
    this.CONSUME(Kw.With);
    this.CONSUME(LParen);
    this.MANY_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.property) });
    this.CONSUME(RParen);
  });

  public readonly property = this.RULE("property", () => {
    this.OR([
      { ALT: () => this.CONSUME(StringLiteral, { LABEL: "key" }) },
      { ALT: () => this.SUBRULE(this.qualifiedName, { LABEL: "name" }) },
    ]);
    this.CONSUME(Equals);
    this.SUBRULE(this.literal, { LABEL: "value" });
  });

  /** `BIGINT`, `VARCHAR(100)`, `TIMESTAMP(3)`. */
  public readonly dataType = this.RULE("dataType", () => {
    this.OR(TYPE_KEYWORDS.map((t) => ({ ALT: () => this.CONSUME(t) })));
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.CONSUME(NumberLiteral, { LABEL: "precision" });
      this.CONSUME(RParen);
    });
  });

  /** `INSERT INTO sink SELECT ...`. */
  public readonly insertStatement = this.RULE("insertStatement", () => {
    this.CONSUME(Kw.Insert);
    this.CONSUME(Kw.Into);
    this.SUBRULE(this.qualifiedName, { LABEL: "target" });
    this.SUBRULE(this.query);
  });

  /** `EXPLAIN SELECT ...` or `EXPLAIN INSERT INTO ...`. */
  public readonly explainStatement = this.RULE("explainStatement", () => {
    this.CONSUME(Kw.Explain);
    this.OR([{ ALT: () => this.SUBRULE(this.insertStatement) }, { ALT: () => this.SUBRULE(this.query) }]);
  });

  /** `SET 'key' = 'value'`. */
  public readonly setStatement = this.RULE("setStatement", () => {
    this.CONSUME(Kw.Set);
    this.CONSUME(StringLiteral, { LABEL: "key" });
    this.CONSUME(Equals);
    this.CONSUME2(StringLiteral, { LABEL: "value" });
  });

  // -------------------------------------------------------------------------------------------------
  // Queries
  // -------------------------------------------------------------------------------------------------

  /** `select [UNION [ALL] select]* [ORDER BY ...] [LIMIT n]`. */
  public readonly query = this.RULE("query", () => {
    this.SUBRULE(this.selectStatement);
    this.MANY(() => {
      this.SUBRULE(this.unionClause);
      this.SUBRULE2(this.selectStatement);
    });
    this.OPTION(() => this.SUBRULE(this.orderByClause));
    this.OPTION2(() => this.SUBRULE(this.limitClause));
  });

  public readonly unionClause = this.RULE("unionClause", () => {
    this.CONSUME(Kw.Union);
    this.OPTION(() => this.CONSUME(Kw.All));
  });

  public readonly selectStatement = this.RULE("selectStatement", () => {
    this.CONSUME(Kw.Select);
    this.OPTION(() => this.CONSUME(Kw.Distinct));
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.selectItem) });
    this.SUBRULE(this.fromClause);
    this.OPTION2(() => this.SUBRULE(this.whereClause));
    this.OPTION3(() => this.SUBRULE(this.groupByClause));
    this.OPTION4(() => this.SUBRULE(this.havingClause));
  });

  /** `*` or `expr [[AS] alias]`. */
  public readonly selectItem = this.RULE("selectItem", () => {
    this.OR([
      { ALT: () => this.CONSUME(Star) },
      {
        ALT: () => {
          this.SUBRULE(this.expression);
          this.OPTION(() => this.SUBRULE(this.alias));
        },
      },
    ]);
  });

  /** `[AS] name`. */
  public readonly alias = this.RULE("alias", () => {
    this.OPTION(() => this.CONSUME(Kw.As));
    this.CONSUME(Identifier, { LABEL: "name" });
  });

  /** `FROM source [join]*`. */
  public readonly fromClause = this.RULE("fromClause", () => {
    this.CONSUME(Kw.From);
    this.SUBRULE(this.tableSource);
    this.MANY(() => this.SUBRULE(this.joinClause));
  });

  /** `[INNER | LEFT [OUTER] | RIGHT [OUTER] | FULL [OUTER]] JOIN source ON expr`. */
  public readonly joinClause = this.RULE("joinClause", () => {
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(Kw.Inner) },
        {
          ALT: () => {
            this.OR2([{ ALT: () => this.CONSUME(Kw.Left) }, { ALT: () => this.CONSUME(Kw.Right) }, { ALT: () => this.CONSUME(Kw.Full) }]);
            this.OPTION2(() => this.CONSUME(Kw.Outer));
          },
        },
      ]);
    });
    this.CONSUME(Kw.Join);
    this.SUBRULE(this.tableSource);
    this.CONSUME(Kw.On);
    this.SUBRULE(this.expression, { LABEL: "condition" });
  });

  /**
   * A table, a window TVF (`TABLE(TUMBLE(...))` or Flink's bare `TUMBLE(...)`), or `(subquery)`;
   * each with an optional alias.
   */
  public readonly tableSource = this.RULE("tableSource", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Kw.Table);
          this.CONSUME(LParen);
          this.SUBRULE(this.windowFunction);
          this.CONSUME(RParen);
        },
      },
      // before qualifiedName: TUMBLE, HOP and SESSION are also identifiers; `(` decides
      { ALT: () => this.SUBRULE2(this.windowFunction) },
      {
        ALT: () => {
          this.CONSUME2(LParen);
          this.SUBRULE(this.query, { LABEL: "subquery" });
          this.CONSUME2(RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.qualifiedName) },
    ]);
    this.OPTION(() => this.SUBRULE(this.alias));
  });

  /**
   * `TUMBLE(TABLE t, DESCRIPTOR(ts), size)`, `HOP(TABLE t, DESCRIPTOR(ts), slide, size)`,
   * `SESSION(TABLE t [PARTITION BY k, ...], DESCRIPTOR(ts), gap)`: the arity is checked by the planner.
   */
  public readonly windowFunction = this.RULE("windowFunction", () => {
    this.OR([{ ALT: () => this.CONSUME(Kw.Tumble) }, { ALT: () => this.CONSUME(Kw.Hop) }, { ALT: () => this.CONSUME(Kw.Session) }]);
    this.CONSUME(LParen);
    this.CONSUME(Kw.Table);
    this.SUBRULE(this.qualifiedName, { LABEL: "table" });
    this.OPTION(() => {
      this.CONSUME(Kw.Partition);
      this.CONSUME(Kw.By);
      // not AT_LEAST_ONE_SEP: the comma before DESCRIPTOR must end the list, which takes two tokens to see
      this.SUBRULE(this.columnReference, { LABEL: "partitionKeys" });
      this.MANY(() => {
        this.CONSUME3(Comma);
        this.SUBRULE2(this.columnReference, { LABEL: "partitionKeys" });
      });
    });
    this.CONSUME(Comma);
    this.CONSUME(Kw.Descriptor);
    this.CONSUME2(LParen);
    this.CONSUME(Identifier, { LABEL: "timeColumn" });
    this.CONSUME(RParen);
    this.AT_LEAST_ONE(() => {
      this.CONSUME2(Comma);
      this.SUBRULE(this.expression, { LABEL: "arguments" });
    });
    this.CONSUME2(RParen);
  });

  public readonly whereClause = this.RULE("whereClause", () => {
    this.CONSUME(Kw.Where);
    this.SUBRULE(this.expression);
  });

  public readonly groupByClause = this.RULE("groupByClause", () => {
    this.CONSUME(Kw.Group);
    this.CONSUME(Kw.By);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.expression) });
  });

  public readonly havingClause = this.RULE("havingClause", () => {
    this.CONSUME(Kw.Having);
    this.SUBRULE(this.expression);
  });

  public readonly orderByClause = this.RULE("orderByClause", () => {
    this.CONSUME(Kw.Order);
    this.CONSUME(Kw.By);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.orderItem) });
  });

  /** `expr [ASC | DESC]`. */
  public readonly orderItem = this.RULE("orderItem", () => {
    this.SUBRULE(this.expression);
    this.OPTION(() => this.OR([{ ALT: () => this.CONSUME(Kw.Asc) }, { ALT: () => this.CONSUME(Kw.Desc) }]));
  });

  public readonly limitClause = this.RULE("limitClause", () => {
    this.CONSUME(Kw.Limit);
    this.CONSUME(NumberLiteral, { LABEL: "count" });
  });

  // -------------------------------------------------------------------------------------------------
  // Expressions, loosest binding first
  // -------------------------------------------------------------------------------------------------

  /** `a OR b OR ...`: the entry point of every expression. */
  public readonly expression = this.RULE("expression", () => {
    this.SUBRULE(this.andExpression, { LABEL: "lhs" });
    this.MANY(() => {
      this.CONSUME(Kw.Or);
      this.SUBRULE2(this.andExpression, { LABEL: "rhs" });
    });
  });

  public readonly andExpression = this.RULE("andExpression", () => {
    this.SUBRULE(this.notExpression, { LABEL: "lhs" });
    this.MANY(() => {
      this.CONSUME(Kw.And);
      this.SUBRULE2(this.notExpression, { LABEL: "rhs" });
    });
  });

  /** `NOT* comparison`: each NOT token negates once. */
  public readonly notExpression = this.RULE("notExpression", () => {
    this.MANY(() => this.CONSUME(Kw.Not));
    this.SUBRULE(this.comparisonExpression);
  });

  /**
   * `lhs [op rhs | IS [NOT] NULL/TRUE/FALSE | [NOT] LIKE p | [NOT] IN (list) | [NOT] BETWEEN lo AND hi]`.
   * Comparisons do not chain: `a = b = c` is a syntax error, as in Flink.
   */
  public readonly comparisonExpression = this.RULE("comparisonExpression", () => {
    this.SUBRULE(this.additiveExpression, { LABEL: "lhs" });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(ComparisonOperator);
            this.SUBRULE2(this.additiveExpression, { LABEL: "rhs" });
          },
        },
        { ALT: () => this.SUBRULE(this.isPredicate) },
        {
          ALT: () => {
            this.OPTION2(() => this.CONSUME(Kw.Not));
            this.OR2([
              { ALT: () => this.SUBRULE(this.likePredicate) },
              { ALT: () => this.SUBRULE(this.inPredicate) },
              { ALT: () => this.SUBRULE(this.betweenPredicate) },
            ]);
          },
        },
      ]);
    });
  });

  /** `IS [NOT] NULL | TRUE | FALSE`. */
  public readonly isPredicate = this.RULE("isPredicate", () => {
    this.CONSUME(Kw.Is);
    this.OPTION(() => this.CONSUME(Kw.Not));
    this.OR([{ ALT: () => this.CONSUME(Kw.Null) }, { ALT: () => this.CONSUME(Kw.True) }, { ALT: () => this.CONSUME(Kw.False) }]);
  });

  public readonly likePredicate = this.RULE("likePredicate", () => {
    this.CONSUME(Kw.Like);
    this.SUBRULE(this.additiveExpression, { LABEL: "pattern" });
  });

  public readonly inPredicate = this.RULE("inPredicate", () => {
    this.CONSUME(Kw.In);
    this.CONSUME(LParen);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: "values" }) });
    this.CONSUME(RParen);
  });

  /** `BETWEEN lo AND hi`: the bounds are additive expressions, so this AND is not a boolean AND. */
  public readonly betweenPredicate = this.RULE("betweenPredicate", () => {
    this.CONSUME(Kw.Between);
    this.SUBRULE(this.additiveExpression, { LABEL: "low" });
    this.CONSUME(Kw.And);
    this.SUBRULE2(this.additiveExpression, { LABEL: "high" });
  });

  /** `a + b - c || d`: left-associative. */
  public readonly additiveExpression = this.RULE("additiveExpression", () => {
    this.SUBRULE(this.multiplicativeExpression, { LABEL: "lhs" });
    this.MANY(() => {
      this.CONSUME(AdditiveOperator);
      this.SUBRULE2(this.multiplicativeExpression, { LABEL: "rhs" });
    });
  });

  /** `a * b / c % d`: left-associative. */
  public readonly multiplicativeExpression = this.RULE("multiplicativeExpression", () => {
    this.SUBRULE(this.unaryExpression, { LABEL: "lhs" });
    this.MANY(() => {
      this.CONSUME(MultiplicativeOperator);
      this.SUBRULE2(this.unaryExpression, { LABEL: "rhs" });
    });
  });

  /** `-x`, `+x`, `- -x`: signs in source order, then the operand. */
  public readonly unaryExpression = this.RULE("unaryExpression", () => {
    this.MANY(() => this.OR([{ ALT: () => this.CONSUME(Minus, { LABEL: "sign" }) }, { ALT: () => this.CONSUME(Plus, { LABEL: "sign" }) }]));
    this.SUBRULE(this.primaryExpression);
  });

  public readonly primaryExpression = this.RULE("primaryExpression", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.literal) },
      { ALT: () => this.SUBRULE(this.intervalLiteral) },
      { ALT: () => this.SUBRULE(this.caseExpression) },
      { ALT: () => this.SUBRULE(this.castExpression) },
      { ALT: () => this.SUBRULE(this.functionCall) },
      { ALT: () => this.SUBRULE(this.columnReference) },
      { ALT: () => this.SUBRULE(this.parenthesisExpression) },
    ]);
  });

  /** Numbers, strings, TRUE, FALSE, NULL. */
  public readonly literal = this.RULE("literal", () => {
    this.OR([
      { ALT: () => this.CONSUME(NumberLiteral) },
      { ALT: () => this.CONSUME(StringLiteral) },
      { ALT: () => this.CONSUME(Kw.True) },
      { ALT: () => this.CONSUME(Kw.False) },
      { ALT: () => this.CONSUME(Kw.Null) },
    ]);
  });

  /** `INTERVAL '10' SECOND` (Flink's form; an unquoted number is accepted too). */
  public readonly intervalLiteral = this.RULE("intervalLiteral", () => {
    this.CONSUME(Kw.Interval);
    this.OR([{ ALT: () => this.CONSUME(StringLiteral, { LABEL: "value" }) }, { ALT: () => this.CONSUME(NumberLiteral, { LABEL: "value" }) }]);
    this.SUBRULE(this.timeUnit);
  });

  public readonly timeUnit = this.RULE("timeUnit", () => {
    this.OR(TIME_UNIT_KEYWORDS.map((t) => ({ ALT: () => this.CONSUME(t) })));
  });

  /** Searched `CASE WHEN c THEN v ... [ELSE e] END` or simple `CASE x WHEN v THEN r ... END`. */
  public readonly caseExpression = this.RULE("caseExpression", () => {
    this.CONSUME(Kw.Case);
    this.OPTION(() => this.SUBRULE(this.expression, { LABEL: "operand" }));
    this.AT_LEAST_ONE(() => this.SUBRULE(this.whenClause));
    this.OPTION2(() => {
      this.CONSUME(Kw.Else);
      this.SUBRULE2(this.expression, { LABEL: "otherwise" });
    });
    this.CONSUME(Kw.End);
  });

  public readonly whenClause = this.RULE("whenClause", () => {
    this.CONSUME(Kw.When);
    this.SUBRULE(this.expression, { LABEL: "condition" });
    this.CONSUME(Kw.Then);
    this.SUBRULE2(this.expression, { LABEL: "result" });
  });

  /** `CAST(expr AS type)`. */
  public readonly castExpression = this.RULE("castExpression", () => {
    this.CONSUME(Kw.Cast);
    this.CONSUME(LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(Kw.As);
    this.SUBRULE(this.dataType);
    this.CONSUME(RParen);
  });

  /**
   * `f()`, `f(a, b)`, `COUNT(*)`, `COUNT(DISTINCT x)`, `TUMBLE(ts, INTERVAL '1' MINUTE)`, `RANK() OVER (...)`,
   * `SUBSTRING(s FROM 2 FOR 3)`, `EXTRACT(HOUR FROM ts)`.
   */
  public readonly functionCall = this.RULE("functionCall", () => {
    this.CONSUME(Identifier, { LABEL: "name" });
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.OR([
        { ALT: () => this.CONSUME(Star) },
        {
          ALT: () => {
            this.OPTION2(() => this.CONSUME(Kw.Distinct));
            this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: "arguments" }) });
            // SUBSTRING(s FROM start [FOR length]) and EXTRACT(unit FROM ts): the planner checks who may use it
            this.OPTION4(() => {
              this.CONSUME(Kw.From);
              this.SUBRULE2(this.expression, { LABEL: "fromArgument" });
              this.OPTION5(() => {
                this.CONSUME(Kw.For);
                this.SUBRULE3(this.expression, { LABEL: "forArgument" });
              });
            });
          },
        },
      ]);
    });
    this.CONSUME(RParen);
    this.OPTION3(() => this.SUBRULE(this.overClause));
  });

  /** `OVER ([PARTITION BY expr, ...] [ORDER BY expr [ASC|DESC], ...])`: ranking functions (window Top-N). */
  public readonly overClause = this.RULE("overClause", () => {
    this.CONSUME(Kw.Over);
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.CONSUME(Kw.Partition);
      this.CONSUME(Kw.By);
      this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: "partitionKeys" }) });
    });
    this.OPTION2(() => {
      this.CONSUME(Kw.Order);
      this.CONSUME2(Kw.By);
      this.AT_LEAST_ONE_SEP2({ SEP: Comma, DEF: () => this.SUBRULE(this.orderItem) });
    });
    this.CONSUME(RParen);
  });

  /** `col` or `t.col`. */
  public readonly columnReference = this.RULE("columnReference", () => {
    this.AT_LEAST_ONE_SEP({ SEP: Dot, DEF: () => this.CONSUME(Identifier, { LABEL: "parts" }) });
  });

  public readonly parenthesisExpression = this.RULE("parenthesisExpression", () => {
    this.CONSUME(LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(RParen);
  });

  /** `name` or `catalog.db.name` (table names, sinks, option keys). */
  public readonly qualifiedName = this.RULE("qualifiedName", () => {
    this.AT_LEAST_ONE_SEP({ SEP: Dot, DEF: () => this.CONSUME(Identifier, { LABEL: "parts" }) });
  });
}
