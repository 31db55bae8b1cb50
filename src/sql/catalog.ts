/**
 * @module sql/catalog
 * The tables a script can name: the built-in `nexmark.bid`, `nexmark.auction` and `nexmark.person`,
 * the optional `input` table of `bicycle sql --input`, and those made by CREATE TABLE. A table knows its
 * columns, its time attribute and watermark delay, and how to become a source or a sink plan node
 * (table-connectors.ts). Names compare case-sensitively; a miss suggests the closest name.
 */
import type { SqlType } from "../operators/index.ts";
import type { Pos } from "./ast.ts";
import { didYouMean, SqlError } from "./errors.ts";

export interface TableColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly nullable: boolean;
}

/** A plan node a table turns into (without id and parallelism, which the planner assigns). */
export interface NodeTemplate {
  readonly kind: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  /** Sources only: a fixed parallelism (stdin is read once). */
  readonly parallelism?: number;
}

export interface TableDef {
  readonly name: string;
  readonly columns: readonly TableColumn[];
  /** The time attribute (a TIMESTAMP column whose value is each row's event time), if declared. */
  readonly rowtime: string | null;
  /** As a source: the node reading it (rows are objects with the table's columns), or null if it is sink-only. */
  source(): NodeTemplate | null;
  /**
   * As a sink: the node writing rows of `columns`, or null if it is source-only. `updating`: the rows
   * carry `$op`; `job`: settings of the job being planned that a sink's options depend on.
   */
  sink(columns: readonly TableColumn[], updating: boolean, pos: Pos, job: SinkJobSettings): NodeTemplate | null;
}

/** The job settings a sink table sees when it becomes a plan node. */
export interface SinkJobSettings {
  /** SET 'execution.checkpointing.interval' in ms (0 = not set): the Kafka sink sizes its transactions by it. */
  readonly checkpointIntervalMs: number;
}

export class Catalog {
  private readonly tables = new Map<string, TableDef>();

  register(table: TableDef, pos: Pos | null = null): void {
    if (this.tables.has(table.name)) throw new SqlError(`table '${table.name}' already exists`, pos);
    this.tables.set(table.name, table);
  }

  get(name: readonly string[], pos: Pos): TableDef {
    const full = name.join(".");
    const table = this.tables.get(full) ?? (name.length === 1 ? this.tables.get(`nexmark.${full}`) : undefined);
    if (table !== undefined) return table;
    throw new SqlError(`unknown table '${full}'${didYouMean(full, [...this.tables.keys()])}`, pos);
  }

  names(): string[] {
    return [...this.tables.keys()];
  }
}
