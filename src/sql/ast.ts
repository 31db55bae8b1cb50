/**
 * @module sql/ast
 * The abstract syntax of Bicycle SQL: what cst-to-ast.ts builds from the grammar's CST and the
 * planner reads. Names are kept as written (identifiers compare case-sensitively, as in Flink, except
 * keywords and function names, which are upper-cased here). Every node that can be the subject of an
 * error carries its source position.
 */

/** 1-based line and column of the first character of a construct. */
export interface Pos {
  readonly line: number;
  readonly column: number;
}

export type TypeName = "BIGINT" | "INT" | "DOUBLE" | "BOOLEAN" | "VARCHAR" | "TIMESTAMP";

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "||" | "=" | "<>" | "<" | "<=" | ">" | ">=" | "AND" | "OR";

export interface OrderItem {
  readonly expr: AstExpr;
  readonly descending: boolean;
}

export interface OverClause {
  readonly partitionBy: readonly AstExpr[];
  readonly orderBy: readonly OrderItem[];
}

export type AstExpr =
  | { readonly k: "lit"; readonly value: string | number | boolean | null; readonly integer: boolean; readonly pos: Pos }
  | { readonly k: "interval"; readonly ms: number; readonly pos: Pos }
  | { readonly k: "col"; readonly parts: readonly string[]; readonly pos: Pos }
  | { readonly k: "neg"; readonly arg: AstExpr; readonly pos: Pos }
  | { readonly k: "not"; readonly arg: AstExpr; readonly pos: Pos }
  | { readonly k: "binary"; readonly op: BinaryOp; readonly left: AstExpr; readonly right: AstExpr; readonly pos: Pos }
  | { readonly k: "is"; readonly arg: AstExpr; readonly test: "NULL" | "TRUE" | "FALSE"; readonly negated: boolean; readonly pos: Pos }
  | { readonly k: "like"; readonly arg: AstExpr; readonly pattern: AstExpr; readonly negated: boolean; readonly pos: Pos }
  | { readonly k: "in"; readonly arg: AstExpr; readonly values: readonly AstExpr[]; readonly negated: boolean; readonly pos: Pos }
  | { readonly k: "between"; readonly arg: AstExpr; readonly low: AstExpr; readonly high: AstExpr; readonly negated: boolean; readonly pos: Pos }
  | {
      readonly k: "case";
      readonly operand: AstExpr | null;
      readonly whens: readonly { readonly when: AstExpr; readonly then: AstExpr }[];
      readonly otherwise: AstExpr | null;
      readonly pos: Pos;
    }
  | { readonly k: "cast"; readonly arg: AstExpr; readonly type: TypeName; readonly pos: Pos }
  | {
      readonly k: "call";
      /** Upper-cased. */
      readonly name: string;
      readonly args: readonly AstExpr[];
      readonly star: boolean;
      readonly distinct: boolean;
      readonly over: OverClause | null;
      readonly pos: Pos;
    };

export type SelectItem = { readonly k: "star"; readonly pos: Pos } | { readonly k: "expr"; readonly expr: AstExpr; readonly alias: string | null; readonly pos: Pos };

export type FromItem =
  | { readonly k: "table"; readonly name: readonly string[]; readonly alias: string | null; readonly pos: Pos }
  | {
      readonly k: "tvf";
      readonly fn: "TUMBLE" | "HOP" | "SESSION";
      readonly table: readonly string[];
      readonly partitionKeys: readonly AstExpr[];
      readonly timeColumn: string;
      readonly timeColumnPos: Pos;
      readonly args: readonly AstExpr[];
      readonly alias: string | null;
      readonly pos: Pos;
    }
  | { readonly k: "subquery"; readonly query: Query; readonly alias: string | null; readonly pos: Pos }
  | {
      readonly k: "join";
      readonly type: "INNER" | "LEFT" | "RIGHT" | "FULL";
      readonly left: FromItem;
      readonly right: FromItem;
      readonly on: AstExpr;
      readonly pos: Pos;
    };

export interface Select {
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from: FromItem;
  readonly where: AstExpr | null;
  readonly groupBy: readonly AstExpr[];
  readonly having: AstExpr | null;
  readonly pos: Pos;
}

export interface Query {
  readonly k: "query";
  readonly selects: readonly Select[];
  /** `unionAll[i]` joins selects i and i+1: true for UNION ALL, false for UNION. */
  readonly unionAll: readonly boolean[];
  readonly orderBy: readonly OrderItem[];
  readonly limit: number | null;
  readonly pos: Pos;
}

export interface ColumnDef {
  readonly name: string;
  readonly type: TypeName | null;
  readonly notNull: boolean;
  readonly computed: AstExpr | null;
  readonly pos: Pos;
}

export interface CreateTable {
  readonly k: "create";
  readonly name: readonly string[];
  readonly columns: readonly ColumnDef[];
  readonly watermark: { readonly column: string; readonly expr: AstExpr; readonly pos: Pos } | null;
  readonly options: ReadonlyMap<string, { readonly value: string; readonly pos: Pos }>;
  readonly pos: Pos;
}

export interface Insert {
  readonly k: "insert";
  readonly target: readonly string[];
  readonly targetPos: Pos;
  readonly query: Query;
  readonly pos: Pos;
}

export interface Explain {
  readonly k: "explain";
  readonly statement: Insert | Query;
  readonly pos: Pos;
}

export interface SetStatement {
  readonly k: "set";
  readonly key: string;
  readonly value: string;
  readonly pos: Pos;
}

export type Statement = CreateTable | Insert | Explain | SetStatement | Query;

/** A statement with the text it was parsed from (job names, EXPLAIN headers). */
export interface ParsedStatement {
  readonly statement: Statement;
  readonly text: string;
}
