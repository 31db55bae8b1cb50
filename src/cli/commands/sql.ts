/**
 * @module cli/commands/sql
 * `bicycle sql "SELECT ..."` / `bicycle sql -f script.sql`: plans a SQL script (src/sql) and runs its
 * statements in order on an embedded cluster, or on a JobManager with `--jobmanager`. Tables: the
 * Nexmark generator (`nexmark.bid`, `nexmark.auction`, `nexmark.person`; `--events`, `--rate`), an
 * `input` table from `--input file.csv|file.jsonl`, or from piped stdin (spooled to a temporary file
 * and removed afterwards; sql-input.ts says why), and the tables the script creates. A bare SELECT
 * prints its rows on stdout as a table, JSON lines or CSV (`--format`).
 *
 * Exit codes: 0 success; 1 a SQL error (one line with line and column), bad flags or a failed job;
 * 2 the JobManager cannot be reached. With `--jobmanager` a bare SELECT's rows are printed by the
 * workers running the sink (on their stdout, like Flink's print connector), not by this command.
 */
import { readFileSync, existsSync } from "node:fs";
import { InvalidArgumentError, Option, type Command } from "commander";
import { ConfigError } from "../../core/index.ts";
import type { SqlPlannerOptions } from "../../sql/index.ts";
import { positiveInt } from "../job-options.ts";
import { INPUT_FORMATS, inputTableFromFile, inputTableFromStdin, mentionsInputTable, spoolStdin, type InputFormat, type InputTable, type SpooledStdin } from "../sql-input.ts";
import { runSqlResults, startWarmCluster, type WarmCluster } from "../sql-runner.ts";

interface SqlFlags {
  file?: string;
  format?: "table" | "json" | "csv";
  events: number;
  rate?: number;
  parallelism: number;
  maxParallelism?: number;
  input?: string;
  inputFormat: InputFormat;
  watermark?: string;
  jobmanager?: string;
  checkpointInterval?: number;
  name?: string;
}

export const DEFAULT_NEXMARK_EVENTS = 1_000_000;

function wholeNumber(value: string): number {
  const n = Number(value.replaceAll("_", "").replaceAll(",", ""));
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number");
  return n;
}

/** The script text: the query argument or the `-f` file (exactly one of them). */
function scriptText(query: string | undefined, flags: SqlFlags, command: Command): string {
  if (query !== undefined && flags.file !== undefined) command.error("error: give either a query or --file <script.sql>, not both");
  if (flags.file !== undefined) {
    if (!existsSync(flags.file)) throw new ConfigError(`SQL script not found: ${flags.file}`);
    return readFileSync(flags.file, "utf8");
  }
  if (query === undefined || query.trim().length === 0) command.error("error: give a query (bicycle sql \"SELECT ...\") or --file <script.sql>");
  return query;
}

/** The `input` table: `--input`, else piped stdin when the script uses table `input`. */
async function inputTable(text: string, flags: SqlFlags): Promise<{ table: InputTable | undefined; spooled: SpooledStdin | undefined }> {
  const watermark = flags.watermark ?? null;
  if (flags.input !== undefined) return { table: inputTableFromFile(flags.input, watermark), spooled: undefined };
  if (process.stdin.isTTY === true || !mentionsInputTable(text)) return { table: undefined, spooled: undefined };
  if (flags.jobmanager !== undefined) throw new ConfigError("table 'input' from stdin needs the embedded cluster; with --jobmanager give --input <file> (a path the workers can read)");
  const spooled = await spoolStdin();
  try {
    return { table: inputTableFromStdin(spooled, flags.inputFormat, watermark), spooled };
  } catch (error) {
    await spooled.remove();
    throw error;
  }
}

export function registerSql(program: Command): void {
  program
    .command("sql")
    .description("run a SQL query or script on an embedded cluster (or a JobManager)")
    .argument("[query]", "the SQL text (one or more statements separated by ;)")
    .option("-f, --file <script.sql>", "read the SQL script from this file")
    .addOption(new Option("--format <format>", "how a bare SELECT prints its rows (default: table on a terminal, json otherwise)").choices(["table", "json", "csv"]))
    .option("--events <n>", "events the nexmark.* tables generate", wholeNumber, DEFAULT_NEXMARK_EVENTS)
    .option("--rate <events/s>", "event rate of the nexmark.* tables (events per second of event time)", positiveInt)
    .option("-p, --parallelism <n>", "default parallelism (SET 'parallelism.default' overrides)", positiveInt, 1)
    .option("--max-parallelism <n>", "number of key groups", positiveInt)
    .option("--input <file>", "table 'input' from a .csv or .jsonl file (schema inferred from the first 1,000 records)")
    .addOption(new Option("--input-format <format>", "format of table 'input' read from stdin").choices(INPUT_FORMATS).default("jsonl"))
    .option("--watermark <expr>", "watermark of table 'input', e.g. \"ts - INTERVAL '2' SECOND\"")
    .option("--jobmanager <host:port>", "submit the jobs to this JobManager instead of running them here")
    .option("--checkpoint-interval <ms>", "milliseconds between checkpoints (0 = off)", wholeNumber)
    .option("-n, --name <name>", "job name (default: derived from the statement)")
    .action(async (query: string | undefined, flags: SqlFlags, command: Command) => {
      const text = scriptText(query, flags, command);
      const format = flags.format ?? (process.stdout.isTTY === true ? "table" : "json");
      const { table, spooled } = await inputTable(text, flags);
      const removeOnSignal = (): void => {
        spooled?.removeSync();
        process.exit(130);
      };
      if (spooled !== undefined) process.once("SIGINT", removeOnSignal);
      let warmCluster: WarmCluster | undefined;
      try {
        const options: SqlPlannerOptions = {
          parallelism: flags.parallelism,
          nexmark: { events: flags.events, ...(flags.rate === undefined ? {} : { rate: flags.rate }) },
          output: { format },
          ...(flags.maxParallelism === undefined ? {} : { maxParallelism: flags.maxParallelism }),
          ...(table === undefined ? {} : { input: table }),
          ...(flags.name === undefined ? {} : { jobName: flags.name }),
          ...(flags.checkpointInterval === undefined ? {} : { checkpointIntervalMs: flags.checkpointInterval }),
        };
        // The slot threads boot on the other core while the parser loads and the script is planned.
        warmCluster = flags.jobmanager === undefined ? startWarmCluster(flags.parallelism) : undefined;
        // Loaded on use: the parser and planner are not needed by the other commands.
        const { planSqlScript } = await import("../../sql/index.ts");
        const results = planSqlScript(text, options);
        const warm = warmCluster;
        warmCluster = undefined; // runSqlResults owns it from here
        await runSqlResults(results, {
          ...(warm === undefined ? {} : { warmCluster: warm }),
          format,
          parallelism: flags.parallelism,
          checkpointIntervalMs: flags.checkpointInterval,
          ...(flags.jobmanager === undefined ? {} : { jobManager: flags.jobmanager }),
        });
      } finally {
        if (warmCluster !== undefined) await (await warmCluster.cluster.catch(() => null))?.stop();
        process.off("SIGINT", removeOnSignal);
        await spooled?.remove();
      }
    });
}
