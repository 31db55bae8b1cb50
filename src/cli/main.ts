#!/usr/bin/env bun
/**
 * @module cli/main
 * The single entry point of the `bicycle` executable: a commander program whose subcommands stay thin
 * and call into the API, runtime and (later) cluster layers. Errors become one line and an exit code.
 */
import { Command, CommanderError } from "commander";
import { registerCancel } from "./commands/cancel.ts";
import { registerDemo } from "./commands/demo.ts";
import { registerJob } from "./commands/job.ts";
import { registerJobs } from "./commands/jobs.ts";
import { registerJobManager } from "./commands/jobmanager.ts";
import { registerMetrics } from "./commands/metrics.ts";
import { registerRun } from "./commands/run.ts";
import { registerSavepoint } from "./commands/savepoint.ts";
import { registerSql } from "./commands/sql.ts";
import { registerStatus } from "./commands/status.ts";
import { registerSubmit } from "./commands/submit.ts";
import { registerWorker } from "./commands/worker.ts";
import { registerWebUi } from "./commands/webui.ts";
import { registerWorkers } from "./commands/workers.ts";
import { EXIT_USER_ERROR, reportError } from "./exit-codes.ts";
import { VERSION } from "./version.ts";

export function createProgram(): Command {
  const program = new Command();
  program
    .name("bicycle")
    .description("Bicycle: a distributed stream processor in TypeScript on Bun")
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerRun(program);
  registerJobManager(program);
  registerWorker(program);
  registerSubmit(program);
  registerSql(program);
  registerStatus(program);
  registerWorkers(program);
  registerJobs(program);
  registerJob(program);
  registerCancel(program);
  registerSavepoint(program);
  registerMetrics(program);
  registerWebUi(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USER_ERROR;
    return reportError(error);
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
