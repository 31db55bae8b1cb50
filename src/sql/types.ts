/**
 * @module sql/types
 * The planner's type rules: which types are numeric, the common type of two operands (INT < BIGINT <
 * DOUBLE; NULL fits anything), how a connector's column types map to SQL types, and how types print.
 */
import type { SqlType } from "../operators/index.ts";
import type { TypeName } from "./ast.ts";

export const isNumeric = (t: SqlType): boolean => t === "INT" || t === "BIGINT" || t === "DOUBLE";
export const isInteger = (t: SqlType): boolean => t === "INT" || t === "BIGINT";

/** TIMESTAMP(3) prints with its precision; the others as they are. */
export function typeName(t: SqlType): string {
  return t === "TIMESTAMP" ? "TIMESTAMP(3)" : t;
}

export function fromTypeName(t: TypeName): SqlType {
  return t;
}

/** The wider of two numeric types. */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  if (a === "DOUBLE" || b === "DOUBLE") return "DOUBLE";
  if (a === "BIGINT" || b === "BIGINT") return "BIGINT";
  return "INT";
}

/**
 * The type both `a` and `b` convert to without loss (comparisons, CASE branches, UNION columns,
 * COALESCE), or null when there is none.
 */
export function commonType(a: SqlType, b: SqlType): SqlType | null {
  if (a === b) return a;
  if (a === "NULL") return b;
  if (b === "NULL") return a;
  if (isNumeric(a) && isNumeric(b)) return widerNumeric(a, b);
  return null;
}

/** A file/stdin schema column type (connectors' ColumnType) as an SQL type. */
export function fromColumnType(t: string): SqlType {
  return t === "TIMESTAMP(3)" ? "TIMESTAMP" : (t as SqlType);
}

/** An SQL type as a connectors' ColumnType (file and stdin schemas). INT is stored as BIGINT. */
export function toColumnType(t: SqlType): string {
  if (t === "TIMESTAMP") return "TIMESTAMP(3)";
  if (t === "INT") return "BIGINT";
  return t;
}
