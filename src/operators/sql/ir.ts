/**
 * @module operators/sql/ir
 * The plan-level form of SQL: typed expressions and operator configs as plain JSON, so an SQL job ships
 * as its JobGraph and nothing else (ARCHITECTURE.md, "Shipping user code"). The SQL planner (src/sql)
 * resolves names and types and writes these; each subtask compiles them once into JS functions
 * (expression-compiler.ts) and never walks them per record.
 *
 * Rows are plain objects keyed by column name. Value representation: BIGINT, INT and DOUBLE are JS
 * numbers (integer types hold safe integers), BOOLEAN a boolean, VARCHAR a string, TIMESTAMP(3) epoch
 * milliseconds (a number), INTERVAL milliseconds (a number); SQL NULL is `null` (a missing property
 * reads as null too). Rows of an updating (changelog) stream carry the kind of change in the column
 * `$op` ("+I" insert, "+U" update of the row with the same upsert key); append-only rows have none.
 */

/** SQL types as the planner checks them. TIMESTAMP is TIMESTAMP(3); NULL is the type of a bare NULL literal. */
export type SqlType = "BIGINT" | "INT" | "DOUBLE" | "BOOLEAN" | "VARCHAR" | "TIMESTAMP" | "INTERVAL" | "NULL";

export const SQL_TYPES: readonly SqlType[] = ["BIGINT", "INT", "DOUBLE", "BOOLEAN", "VARCHAR", "TIMESTAMP", "INTERVAL", "NULL"];

/** Column of an updating row holding its change kind. */
export const OP_COLUMN = "$op";

/** Column of a window join's input row naming its side (0 = left, 1 = right). */
export const SIDE_COLUMN = "$side";

/**
 * A typed, name-resolved expression. `nullable: false` lets the compiler skip null checks.
 *
 * Calls (`fn`), by arity; arguments are already type-checked and coerced by the planner:
 * - arithmetic: `add sub mul div mod` (2), `neg` (1). Integer `div` truncates toward zero and `mod`
 *   keeps the dividend's sign (Flink); division or MOD by zero fails the record. `add`/`sub` also
 *   do TIMESTAMP +/- INTERVAL and INTERVAL +/- INTERVAL (all milliseconds).
 * - comparison: `eq ne lt le gt ge` (2) on numbers, strings (code-unit order), booleans, timestamps.
 * - boolean: `and or` (n >= 2), `not` (1), with SQL three-valued logic (FALSE AND NULL is FALSE,
 *   TRUE OR NULL is TRUE, otherwise NULL if any operand is NULL).
 * - predicates: `is_null is_not_null is_true is_not_true is_false is_not_false` (1, never NULL),
 *   `like` (2: value, pattern with % and _; `\` escapes), `in` (1 + n: value, candidates),
 *   `between` (3: value, low, high; inclusive).
 * - strings: `concat` (n, `||`), `upper lower trim char_length` (1), `substring` (2 or 3: string,
 *   1-based start, length), `position` (2: needle, haystack; 1-based, 0 when absent), `replace` (3).
 * - numbers: `abs ceil floor sqrt exp ln` (1), `power` (2), `round` (1 or 2: value, digits).
 * - time: `extract_year extract_month extract_day extract_hour extract_minute extract_second
 *   extract_millisecond extract_dayofweek` (1: TIMESTAMP -> BIGINT, UTC, day of week 1 = Sunday as in Flink),
 *   `date_format` (2: TIMESTAMP, Java-style pattern with yyyy MM dd HH mm ss SSS), `to_timestamp`
 *   (1: VARCHAR ISO-8601 -> TIMESTAMP, NULL if unparsable), `to_timestamp_ltz` (1: epoch ms BIGINT ->
 *   TIMESTAMP), `unix_timestamp` (1: TIMESTAMP -> epoch seconds BIGINT), `current_timestamp` (0).
 * - other: `coalesce` (n >= 1), `nullif` (2), `greatest least` (n >= 1; NULL if any is NULL).
 * Every call but the boolean connectives, the `is_*` predicates, `coalesce` and `current_timestamp`
 * returns NULL when any argument is NULL.
 */
export type Expr =
  | { readonly k: "lit"; readonly value: string | number | boolean | null; readonly type: SqlType }
  | { readonly k: "col"; readonly name: string; readonly type: SqlType; readonly nullable: boolean }
  | { readonly k: "call"; readonly fn: string; readonly args: readonly Expr[]; readonly type: SqlType; readonly nullable: boolean }
  /** Searched CASE (a simple CASE is rewritten to `eq` conditions by the planner); no ELSE means NULL. */
  | {
      readonly k: "case";
      readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
      readonly otherwise: Expr | null;
      readonly type: SqlType;
      readonly nullable: boolean;
    }
  /**
   * CAST. To BIGINT/INT from DOUBLE truncates toward zero; from VARCHAR parses (a bad number fails the
   * record with the value and the target type, as Flink does). To VARCHAR: numbers as JS prints them,
   * booleans TRUE/FALSE, timestamps as `yyyy-MM-dd HH:mm:ss.SSS` (UTC). To TIMESTAMP from VARCHAR parses
   * ISO-8601 (no zone = UTC); from BIGINT takes epoch ms. To BOOLEAN from VARCHAR: 'true'/'false', any case.
   */
  | { readonly k: "cast"; readonly arg: Expr; readonly type: SqlType; readonly nullable: boolean };

/** One output column of a projection. */
export interface ProjectionItem {
  readonly name: string;
  readonly expr: Expr;
}

/**
 * Config of a `sql:calc` node (a chained map/filter): keep the rows where `filter` is TRUE (NULL and
 * FALSE drop the row), then build each output row from `projection` (null projection = pass the row
 * through unchanged). When `updating` is set the input's `$op` column is copied to each output row.
 */
export interface CalcConfig {
  readonly filter: Expr | null;
  readonly projection: readonly ProjectionItem[] | null;
  readonly updating: boolean;
}

/**
 * Config of a `sql:window-tvf` node (a window TVF not followed by a window aggregation): each row is
 * copied once per window it belongs to, with `window_start`, `window_end` (TIMESTAMP) and `window_time`
 * (= window_end - 1) added, and window_time as the copy's record timestamp. Windows are assigned by the
 * record's event time (the DESCRIPTOR column is the time attribute the source stamps). Tumbling and
 * hopping windows only; session windows need an aggregation.
 */
export interface WindowTvfConfig {
  readonly window: { readonly type: "tumbling"; readonly sizeMs: number } | { readonly type: "sliding"; readonly sizeMs: number; readonly slideMs: number };
}

/** One aggregate call. COUNT(*) is `count_star` with no argument. */
export interface AggregateCall {
  readonly fn: "count_star" | "count" | "sum" | "min" | "max" | "avg";
  readonly arg: Expr | null;
  readonly distinct: boolean;
  /** Output column. */
  readonly name: string;
  /** Result type: COUNT -> BIGINT; SUM/MIN/MAX -> argument type; AVG -> argument type (integer AVG truncates, as in Flink). */
  readonly type: SqlType;
}

/**
 * The aggregation of a GROUP BY, shared by window and non-window aggregation. `groupBy` computes the
 * group key columns (written to the output row under their names); the output row is the group columns
 * followed by the aggregate columns (window aggregation adds the window columns). Aggregates ignore
 * NULL arguments; SUM/MIN/MAX/AVG over no non-NULL value is NULL, COUNT is 0.
 */
export interface GroupAggregateSpec {
  readonly groupBy: readonly ProjectionItem[];
  readonly aggregates: readonly AggregateCall[];
}

/**
 * Aggregate spec `{ type: "sql", ... }` of a `window` node: the node's key is the group columns
 * (the SQL planner puts a `sql:calc` computing them before the keyBy), and the result row carries
 * `windowStart`/`windowEnd` column names for the window bounds (TIMESTAMP).
 */
export interface SqlWindowAggregateSpec extends GroupAggregateSpec {
  readonly type: "sql";
  readonly windowStart: string;
  readonly windowEnd: string;
}

/**
 * Config of a `sql:group-agg` node (GROUP BY without a window; keyed by the group columns): an
 * updating stream. The first row of a key emits its result with `$op` "+I", every later row emits the
 * key's new result with "+U" (upsert by the group columns). State: one accumulator per key in keyed state.
 */
export interface GroupAggConfig extends GroupAggregateSpec {}

/**
 * Config of a `sql:window-rank` node (Flink's window Top-N: `ROW_NUMBER() | RANK() | DENSE_RANK()
 * OVER (PARTITION BY window_start, window_end, ... ORDER BY ...)` filtered by `rank <= limit`), keyed
 * by the partition columns, which include the window bounds. Rows of a window are held (only those
 * that can still make the top `limit`) until the watermark passes `windowEnd - 1`, then emitted in rank
 * order with timestamp `windowEnd - 1`, the rank written to `rankColumn` when not null.
 */
export interface WindowRankConfig {
  readonly windowEnd: string;
  readonly orderBy: readonly { readonly column: string; readonly descending: boolean }[];
  readonly function: "row_number" | "rank" | "dense_rank";
  readonly limit: number;
  readonly rankColumn: string | null;
}

/**
 * Config of a `sql:window-join` node (Flink's window join: an INNER JOIN of two windowed inputs on equal
 * keys and equal window bounds). Both inputs reach the node through one union, each row tagged by a
 * `sql:calc` with `$side` (0 = left, 1 = right) and keyed by the columns `$k0, $k1, ...` (the equi-join
 * key values of that side, window bounds included). Rows are held per key until the watermark passes `windowEnd - 1` of
 * their window (`leftWindowEnd` / `rightWindowEnd` columns), then every left x right pair that passes
 * `condition` (the non-equi rest of ON, over the output row; null = none) is emitted with timestamp
 * `windowEnd - 1`. Output row: `left` columns then `right` columns, each `[inputColumn, outputColumn]`.
 */
export interface WindowJoinConfig {
  readonly leftWindowEnd: string;
  readonly rightWindowEnd: string;
  readonly left: readonly (readonly [string, string])[];
  readonly right: readonly (readonly [string, string])[];
  readonly condition: Expr | null;
}
