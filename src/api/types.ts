/**
 * @module api/types
 * Type-level helpers of the DataStream API.
 */

/** Names of the fields of T that hold numbers: `sum("valu")` on a record without it fails to compile. */
export type NumericKeys<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T] & string;

/** Per-operator settings accepted by every transformation. */
export interface OperatorOptions {
  /** Display name (plans, metrics, errors). */
  readonly name?: string;
  /** Stable id for mapping state across job versions. */
  readonly uid?: string;
  readonly parallelism?: number;
}
