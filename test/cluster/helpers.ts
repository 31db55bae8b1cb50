/**
 * Helpers for cluster tests: a JobLoader that hands in-process functions to in-thread slots, and
 * waiting for a job to reach a state through the JobManager's gateway.
 */
import type { JobLoader } from "../../src/cluster/index.ts";
import type { rpc } from "../../src/network/index.ts";
import type { JobDefinition } from "../../src/plan/index.ts";

/** Slots on the test's thread get the functions of `definition` directly (no bundle). */
export function definitionLoader(definition: JobDefinition): JobLoader {
  return { load: async () => definition.functions };
}

const TERMINAL = new Set(["finished", "failed", "cancelled"]);

/** Poll GetJob until the job is in one of `states` (default: any terminal state); returns its details. */
export async function waitForJob(gateway: rpc.JobManagerGateway, jobId: string, states: readonly string[] = [...TERMINAL], timeoutMs = 60_000): Promise<rpc.JobDetails> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await gateway.getJob({ jobId: jobId as rpc.JobRef["jobId"] });
    if (states.includes(job.summary.status)) return job;
    if (TERMINAL.has(job.summary.status) && !states.includes(job.summary.status)) {
      throw new Error(`job ${jobId} ended ${job.summary.status}${job.failure === undefined ? "" : `: ${job.failure}`} while waiting for ${states.join("|")}`);
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.summary.status} after ${timeoutMs} ms (waiting for ${states.join("|")})`);
    await Bun.sleep(20);
  }
}

/** Poll until `check()` is true. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}
