/**
 * @module cluster/job-loader
 * How a slot gets a job's user functions. A plan-only job (SQL) has none; a TypeScript job ships as a
 * bundle whose default export builds the pipeline on a StreamEnvironment: the loader imports it, runs
 * it with the job's options and takes the functions by vertex id from the definition it builds. The
 * StreamEnvironment lives in the API layer, above the cluster, so the entry point (cli/) provides the
 * loader; the cluster only calls it.
 */
import type { LogicalPlan, UserFunctions } from "../plan/index.ts";

export interface JobLoadRequest {
  readonly jobName: string;
  /** The plan the JobManager schedules; a bundle must rebuild exactly this plan. */
  readonly plan: LogicalPlan;
  readonly planHash: string;
  /** The job bundle on local disk, or null for a plan-only job. */
  readonly bundlePath: string | null;
  /** The job's StreamEnvironment options as JSON. */
  readonly envOptionsJson: string;
}

export interface JobLoader {
  /** The job's user functions by plan node id; rejects with a user error when the bundle is unusable. */
  load(request: JobLoadRequest): Promise<UserFunctions>;
}

/** The loader for plan-only jobs: no user code; a bundle is refused. */
export const PLAN_ONLY_LOADER: JobLoader = {
  async load(request) {
    if (request.bundlePath !== null) throw new Error(`job '${request.jobName}' ships a bundle, but this worker was started without a bundle loader`);
    return new Map();
  },
};
