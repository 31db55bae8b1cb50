/**
 * @module cli/commands/submit
 * `bicycle submit job.ts`: builds the job's plan here, bundles the module (Bun.build), and submits both
 * to the JobManager; prints the job id on stdout. Without `--detached` (or with `--follow`) it follows the
 * job, one line per second on stderr (state, records in/out, records/s), and exits 0 when the job
 * finishes, 1 when it fails or is cancelled.
 */
import { basename } from "node:path";
import { Option, type Command } from "commander";
import { asJobRef, type JobDetails, type JobManagerGateway, type SubmitJobRequest } from "../../cluster/index.ts";
import { log } from "../../core/index.ts";
import { bundleJobFile, defineJob } from "../job-bundle.ts";
import { defaultJobManager, withJobManager } from "../cluster-client.ts";
import { jobTotals } from "../job-totals.ts";
import { addJobOptionFlags, jobOptionsFrom, type JobOptionFlags } from "../job-options.ts";
import { JobFailedError } from "../job-failed-error.ts";

interface Flags extends JobOptionFlags {
  name?: string;
  jobmanager?: string;
  detached?: boolean;
  follow?: boolean;
}

export { defaultJobManager, jobTotals };

/** Poll the job until it ends, printing a line per interval; resolves with its final details. */
export async function followJob(gateway: JobManagerGateway, jobId: string, intervalMs = 1000, write = (line: string) => process.stderr.write(`${line}\n`)): Promise<JobDetails> {
  let last = { at: performance.now(), recordsIn: 0 };
  for (;;) {
    const job = await gateway.getJob(asJobRef(jobId));
    const now = performance.now();
    const { recordsIn, recordsOut } = jobTotals(job);
    const rate = ((recordsIn - last.recordsIn) * 1000) / Math.max(1, now - last.at);
    last = { at: now, recordsIn };
    write(`${job.summary.status.toUpperCase().padEnd(10)} records in ${recordsIn.toLocaleString("en-US")}  out ${recordsOut.toLocaleString("en-US")}  ${Math.round(rate).toLocaleString("en-US")} records/s${job.summary.restarts > 0 ? `  restarts ${job.summary.restarts}` : ""}`);
    if (["finished", "failed", "cancelled"].includes(job.summary.status)) return job;
    await Bun.sleep(intervalMs);
  }
}

export function registerSubmit(program: Command): void {
  const command = program
    .command("submit")
    .description("submit a TypeScript job module to a cluster")
    .argument("<file>", "job module whose default export builds the pipeline: (env) => void")
    .option("-n, --name <name>", "job name (default: the file name)")
    .option("--jobmanager <host:port>", "the JobManager (default: BICYCLE_JOBMANAGER or 127.0.0.1:9000)")
    .option("-d, --detached", "print the job id and return at once")
    .addOption(new Option("--follow", "follow the job until it ends (the default)").conflicts("detached"));
  addJobOptionFlags(command).action(async (file: string, flags: Flags) => {
    const name = flags.name ?? basename(file).replace(/\.[cm]?[jt]s$/, "");
    const options = jobOptionsFrom(flags);
    const definition = await defineJob(file, options, name);
    const bundle = await bundleJobFile(file);
    await withJobManager(flags, async (gateway) => {
      const { jobId } = await gateway.submitJob({
        name,
        parallelism: options.parallelism ?? 1,
        planJson: JSON.stringify(definition.plan),
        bundle: bundle as SubmitJobRequest["bundle"],
        optionsJson: JSON.stringify(options),
      });
      process.stdout.write(`${jobId}\n`);
      if (flags.detached === true) return;
      log.info(`following job ${name} (${jobId}); Ctrl-C stops following, not the job`);
      const job = await followJob(gateway, jobId);
      if (job.summary.status !== "finished") throw new JobFailedError(name, jobId, job.summary.status, job.failure);
    });
  });
}
