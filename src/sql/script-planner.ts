/**
 * @module sql/script-planner
 * A script's statements in order: CREATE TABLE fills the catalog, SET changes the settings of the jobs
 * that follow, EXPLAIN returns the JobGraph text (the printer the TypeScript API's explain uses), and
 * every SELECT or INSERT INTO becomes one job: a LogicalPlan with no user functions, shipped as JSON.
 * A bare SELECT writes to `sink:stdout` in the requested format.
 */
import { buildJobGraph, explainJobGraph, type LogicalPlan } from "../plan/index.ts";
import { DEFAULT_MAX_PARALLELISM } from "../core/index.ts";
import { isTimeAttributeName, type RecordSchema } from "../connectors/index.ts";
import type { SqlType } from "../operators/index.ts";
import type { AstExpr, CreateTable, Insert, Pos, Query, Statement } from "./ast.ts";
import { Catalog, type TableColumn } from "./catalog.ts";
import { exprPos, parseExpressionText, parseStatements } from "./cst-to-ast.ts";
import { didYouMean, SqlError } from "./errors.ts";
import { PlanWriter } from "./plan-writer.ts";
import { QueryPlanner } from "./query-planner.ts";
import { colRef, type Relation } from "./relation.ts";
import { createTableDef, nexmarkTable, textTable, type NexmarkTableOptions } from "./table-connectors.ts";
import { fromColumnType, typeName } from "./types.ts";

export interface SqlPlannerOptions {
  /** Default parallelism of every node (SET 'parallelism.default' overrides). */
  readonly parallelism: number;
  readonly maxParallelism?: number;
  /** The built-in tables nexmark.bid / nexmark.auction / nexmark.person (default 1,000,000 events). */
  readonly nexmark?: NexmarkTableOptions;
  /** Table `input`: a CSV / JSON-lines file or stdin (path null), with its (inferred) schema. */
  readonly input?: { readonly path: string | null; readonly format: "csv" | "jsonl"; readonly schema: RecordSchema; readonly watermark: string | null };
  /** How a bare SELECT prints. */
  readonly output: { readonly format: "table" | "json" | "csv" };
  readonly jobName?: string;
  /** Checkpoint interval of the jobs (ms, 0 = off) until a SET 'execution.checkpointing.interval'. */
  readonly checkpointIntervalMs?: number;
}

export interface SqlJobColumn {
  readonly name: string;
  readonly type: SqlType;
}

export type SqlStatementResult =
  | { kind: "job"; name: string; plan: LogicalPlan; columns: SqlJobColumn[]; updating: boolean; printsToStdout: boolean; checkpointIntervalMs: number }
  | { kind: "explain"; text: string }
  | { kind: "ddl"; message: string }
  | { kind: "set"; key: string; value: string };

const SETTINGS = ["parallelism.default", "pipeline.name", "execution.checkpointing.interval", "table.optimizer.reuse-sub-plan-enabled"];

/** Plan every statement of `text`; throws SqlError (line and column) at the first bad one. */
export function planSqlScript(text: string, options: SqlPlannerOptions): SqlStatementResult[] {
  const session = new SqlSession(options);
  return parseStatements(text).map(({ statement, text: source }) => session.run(statement, source));
}

class SqlSession {
  private readonly catalog = new Catalog();
  private parallelism: number;
  private jobName: string | undefined;
  private checkpointIntervalMs = 0;
  /** Compute identical subqueries once (sub-plan-reuse.ts) until SET 'table.optimizer.reuse-sub-plan-enabled' = 'false'. */
  private reuseSubPlans = true;

  constructor(private readonly options: SqlPlannerOptions) {
    this.parallelism = options.parallelism;
    this.jobName = options.jobName;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 0;
    const nexmark = options.nexmark ?? { events: 1_000_000 };
    for (const t of ["bid", "auction", "person"] as const) this.catalog.register(nexmarkTable(t, nexmark));
    if (options.input !== undefined) this.catalog.register(inputTable(options.input));
  }

  run(statement: Statement, source: string): SqlStatementResult {
    switch (statement.k) {
      case "create":
        return this.createTable(statement);
      case "set":
        return this.set(statement.key, statement.value, statement.pos);
      case "explain": {
        const job = this.job(statement.statement, source.replace(/^explain\s+/i, ""));
        if (job.kind !== "job") throw new SqlError("internal: EXPLAIN planned no job", statement.pos);
        return { kind: "explain", text: explainJobGraph(buildJobGraph(job.plan, { chaining: true })) };
      }
      case "insert":
      case "query":
        return this.job(statement, source);
    }
  }

  private set(key: string, value: string, pos: Pos): SqlStatementResult {
    switch (key) {
      case "parallelism.default": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw new SqlError(`'parallelism.default' must be a positive whole number, got '${value}'`, pos);
        this.parallelism = n;
        break;
      }
      case "pipeline.name":
        this.jobName = value;
        break;
      case "execution.checkpointing.interval":
        this.checkpointIntervalMs = parseDuration(value, key, pos);
        break;
      case "table.optimizer.reuse-sub-plan-enabled":
        if (!/^(true|false)$/i.test(value)) throw new SqlError(`'${key}' must be true or false, got '${value}'`, pos);
        this.reuseSubPlans = value.toLowerCase() === "true";
        break;
      default:
        throw new SqlError(`unknown setting '${key}'${didYouMean(key, SETTINGS)}; supported: ${SETTINGS.join(", ")}`, pos);
    }
    return { kind: "set", key, value };
  }

  private createTable(stmt: CreateTable): SqlStatementResult {
    const columns: TableColumn[] = [];
    for (const c of stmt.columns) {
      if (c.computed !== null || c.type === null) throw new SqlError(`computed column '${c.name}' is not supported; compute it in the query`, c.pos);
      if (columns.some((x) => x.name === c.name)) throw new SqlError(`column '${c.name}' is declared twice`, c.pos);
      columns.push({ name: c.name, type: c.type, nullable: !c.notNull });
    }
    let rowtime: string | null = null;
    let delayMs = 0;
    if (stmt.watermark !== null) {
      ({ rowtime, delayMs } = watermarkOf(stmt.watermark.column, stmt.watermark.expr, columns, stmt.watermark.pos));
      const i = columns.findIndex((c) => c.name === rowtime);
      columns[i] = { ...columns[i]!, type: "TIMESTAMP" };
    }
    const table = createTableDef(stmt, columns, rowtime, delayMs);
    this.catalog.register(table, stmt.pos);
    return { kind: "ddl", message: `table '${table.name}' created` };
  }

  private job(statement: Insert | Query, source: string): SqlStatementResult {
    const writer = new PlanWriter(this.parallelism);
    const planner = new QueryPlanner(writer, this.catalog);
    const query = statement.k === "insert" ? statement.query : statement;
    const rel = planner.materialize(planner.planQuery(query), query.pos);
    const columns = rel.columns.map((c) => ({ name: c.field, type: c.type === "NULL" ? ("VARCHAR" as SqlType) : c.type, nullable: c.nullable }));
    let sinkNode: string;
    let printsToStdout = false;
    if (statement.k === "insert") {
      const table = this.catalog.get(statement.target, statement.targetPos);
      const template = table.sink(columns, rel.updating, statement.targetPos, { checkpointIntervalMs: this.checkpointIntervalMs });
      if (template === null) throw new SqlError(`table '${table.name}' is a source (${table.source()?.kind ?? "?"}): it cannot be written to`, statement.targetPos);
      const renamed = renameTo(writer, rel, table.columns.map((c) => c.name));
      sinkNode = writer.add(template.kind, template.name, template.config);
      writer.connect(renamed, sinkNode);
    } else {
      const config = { format: this.options.output.format, columns: columns.map((c) => ({ name: c.name, type: c.type })), updating: rel.updating };
      sinkNode = writer.add("sink:stdout", "Stdout", config);
      writer.connect(rel.node, sinkNode);
      printsToStdout = true;
    }
    const name = this.jobName ?? oneLine(source);
    const plan = writer.build(name, Math.max(this.options.maxParallelism ?? DEFAULT_MAX_PARALLELISM, this.parallelism), { reuseSubPlans: this.reuseSubPlans });
    return { kind: "job", name, plan, columns: columns.map((c) => ({ name: c.name, type: c.type })), updating: rel.updating, printsToStdout, checkpointIntervalMs: this.checkpointIntervalMs };
  }
}

/** A calc renaming the relation's columns to a sink table's names (by position) when they differ. */
function renameTo(writer: PlanWriter, rel: Relation, names: readonly string[]): string {
  if (rel.columns.every((c, i) => c.field === names[i])) return rel.node;
  const projection = rel.columns.map((c, i) => ({ name: names[i]!, expr: colRef(c) }));
  const node = writer.add("sql:calc", "Calc", { filter: null, projection, updating: rel.updating }, { parallelism: writer.parallelismOf(rel.node) });
  writer.connect(rel.node, node);
  return node;
}

function oneLine(source: string): string {
  const s = source.replace(/\s+/g, " ").trim();
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * `WATERMARK FOR ts AS ts` or `ts - INTERVAL 'n' unit`: the time attribute and the out-of-orderness
 * bound. The column must be TIMESTAMP(3), or BIGINT epoch milliseconds (then typed TIMESTAMP(3)).
 */
function watermarkOf(column: string, expr: AstExpr, columns: readonly TableColumn[], pos: Pos): { rowtime: string; delayMs: number } {
  const c = columns.find((x) => x.name === column);
  if (c === undefined) throw new SqlError(`WATERMARK FOR names unknown column '${column}'${didYouMean(column, columns.map((x) => x.name))}`, pos);
  if (c.type !== "TIMESTAMP" && c.type !== "BIGINT") throw new SqlError(`the time attribute '${column}' must be TIMESTAMP(3) or BIGINT epoch milliseconds, but it is ${typeName(c.type)}`, pos);
  const isCol = (e: AstExpr) => e.k === "col" && e.parts.length === 1 && e.parts[0] === column;
  if (isCol(expr)) return { rowtime: column, delayMs: 0 };
  if (expr.k === "binary" && expr.op === "-" && isCol(expr.left) && expr.right.k === "interval") return { rowtime: column, delayMs: expr.right.ms };
  throw new SqlError(`the watermark must be '${column}' or '${column} - INTERVAL 'n' SECOND' (a bounded out-of-orderness)`, exprPos(expr));
}

/** Table `input` of `bicycle sql --input` / stdin, with its inferred schema and optional watermark. */
function inputTable(input: NonNullable<SqlPlannerOptions["input"]>): ReturnType<typeof textTable> {
  const columns: TableColumn[] = Object.entries(input.schema).map(([name, t]) => ({ name, type: fromColumnType(t), nullable: true }));
  let rowtime: string | null = null;
  let delayMs = 0;
  if (input.watermark !== null) {
    const expr = parseExpressionText(input.watermark);
    const column = expr.k === "col" ? expr.parts[0]! : expr.k === "binary" && expr.left.k === "col" ? expr.left.parts[0]! : null;
    if (column === null) throw new SqlError(`--watermark must be 'column' or 'column - INTERVAL 'n' SECOND', got '${input.watermark}'`);
    ({ rowtime, delayMs } = watermarkOf(column, expr, columns, { line: 1, column: 1 }));
  } else {
    // No watermark: the first TIMESTAMP column, else the first BIGINT column named like a time attribute
    // (ts, time, event_time, *_ts, ...: epoch milliseconds) is the time attribute; windows fire at the end.
    rowtime = columns.find((c) => c.type === "TIMESTAMP")?.name ?? columns.find((c) => c.type === "BIGINT" && isTimeAttributeName(c.name))?.name ?? null;
    delayMs = -1;
  }
  if (rowtime !== null) {
    const i = columns.findIndex((c) => c.name === rowtime);
    columns[i] = { ...columns[i]!, type: "TIMESTAMP" };
  }
  return textTable("input", columns, { path: input.path, format: input.format }, rowtime, delayMs);
}

function parseDuration(value: string, key: string, pos: Pos): number {
  const m = /^\s*(\d+)\s*(ms|s|min|m|h)?\s*$/i.exec(value.replace(/\s*(milliseconds?|seconds?|minutes?|hours?)$/i, (u) => ({ milli: "ms", secon: "s", minut: "min", hour: "h" })[u.trim().slice(0, 5).toLowerCase()] ?? u));
  if (m === null) throw new SqlError(`'${key}' must be a duration like '10 s', '500 ms' or '1 min', got '${value}'`, pos);
  const n = Number(m[1]);
  const unit = (m[2] ?? "ms").toLowerCase();
  return n * (unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "h" ? 3_600_000 : 60_000);
}
