/**
 * @module cli/commands/cancel
 * `bicycle cancel ID`: cancel a job (full id or unique prefix) and wait until the JobManager reports it
 * ended; prints `job NAME (ID) cancelled` or, with `--json`, `{jobId, name, status}`.
 */
import type { Command } from "commander";
import { asJobRef } from "../../cluster/index.ts";
import { addClientFlags, printJson, resolveJobId, TERMINAL_STATES, withJobManager, type ClientFlags } from "../cluster-client.ts";

interface Flags extends ClientFlags {
  timeout: string;
}

export function registerCancel(program: Command): void {
  addClientFlags(
    program
      .command("cancel")
      .description("cancel a job and wait until it has stopped")
      .argument("<id>", "job id (or a unique prefix)")
      .option("--timeout <ms>", "how long to wait for the job to stop", "60000"),
  ).action(async (id: string, flags: Flags) => {
    await withJobManager(flags, async (client) => {
      const jobId = await resolveJobId(client, id);
      await client.cancelJob(asJobRef(jobId));
      const deadline = Date.now() + Number(flags.timeout);
      let job = await client.getJob(asJobRef(jobId));
      while (!TERMINAL_STATES.has(job.summary.status) && Date.now() < deadline) {
        await Bun.sleep(50);
        job = await client.getJob(asJobRef(jobId));
      }
      const result = { jobId, name: job.summary.name, status: job.summary.status };
      if (flags.json === true) return printJson(result);
      process.stdout.write(`job ${result.name} (${jobId}) ${TERMINAL_STATES.has(result.status) ? result.status : `still ${result.status} after ${flags.timeout} ms`}\n`);
    });
  });
}
