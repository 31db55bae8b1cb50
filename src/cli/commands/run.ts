/**
 * @module cli/commands/run
 * `bicycle run job.ts`: loads a TypeScript job module and runs it on the embedded runtime. The module's
 * default export builds the pipeline: `(env: StreamEnvironment) => void | Promise<void>`.
 */
import { basename } from "node:path";
import type { Command } from "commander";
import { log } from "../../core/index.ts";
import { asJobRef, MiniCluster, slotsRequired, type SubmitJobRequest } from "../../cluster/index.ts";
import { buildJobGraph } from "../../plan/index.ts";
import { bundleJobFile, defineJobWithOptions } from "../job-bundle.ts";
import { JobFailedError } from "../job-failed-error.ts";
import { addJobOptionFlags, jobOptionsFrom, type JobOptionFlags } from "../job-options.ts";
import { slotThreadEntry } from "../slot-entry.ts";

/**
 * Run a job module on an embedded MiniCluster: the same JobManager and worker code as a real cluster,
 * one slot thread per parallel subtask (so a job at parallelism 4 can use 4 cores), the job shipped
 * to the slots as a bundle. Resolves when the job finished; a failed or cancelled job rejects.
 */
export async function runOnMiniCluster(file: string, flags: JobOptionFlags, name: string): Promise<{ durationMs: number }> {
  const { definition, options } = await defineJobWithOptions(file, jobOptionsFrom(flags), name);
  const graph = buildJobGraph(definition.plan, { chaining: options.chaining ?? true });
  const bundle = await bundleJobFile(file);
  log.info(`Running job '${name}'`);
  const cluster = await MiniCluster.start({
    slotsPerWorker: slotsRequired(graph),
    slotEntry: slotThreadEntry(),
    ...(options.checkpointDir === undefined ? {} : { checkpointDir: options.checkpointDir }),
    ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
  });
  const started = performance.now();
  try {
    const { jobId } = await cluster.gateway.submitJob({
      name,
      parallelism: options.parallelism ?? 1,
      planJson: JSON.stringify(definition.plan),
      bundle: bundle as SubmitJobRequest["bundle"],
      optionsJson: JSON.stringify(options),
    });
    await cluster.jobManager.jobMaster(jobId)!.terminated;
    const job = await cluster.gateway.getJob(asJobRef(jobId));
    if (job.summary.status !== "finished") throw new JobFailedError(name, jobId, job.summary.status, job.failure);
    return { durationMs: performance.now() - started };
  } finally {
    await cluster.stop();
  }
}

export function registerRun(program: Command): void {
  const command = program
    .command("run")
    .description("run a TypeScript job module on an embedded cluster (one thread per parallel subtask)")
    .argument("<file>", "job module whose default export builds the pipeline: (env) => void")
    .option("-n, --name <name>", "job name (default: the file name)");
  addJobOptionFlags(command).action(async (file: string, opts: JobOptionFlags & { name?: string }) => {
    const name = opts.name ?? basename(file).replace(/\.[cm]?[jt]s$/, "");
    const result = await runOnMiniCluster(file, opts, name);
    log.info(`Job '${name}' finished in ${result.durationMs.toFixed(0)} ms`);
  });
}
