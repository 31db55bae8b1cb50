/**
 * @module cli/job-failed-error
 * A followed cluster job ended without finishing: a user-level failure (exit code 1), no stack trace.
 */
import { BicycleError } from "../core/index.ts";

export class JobFailedError extends BicycleError {
  constructor(name: string, jobId: string, status: string, failure: string | undefined) {
    super(`job ${name} (${jobId}) ${status}${failure === undefined ? "" : `: ${failure}`}`, { code: "JOB_FAILED", domain: "user", retriable: false });
  }
}
