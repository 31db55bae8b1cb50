/**
 * @module cli/cluster-client
 * What the JobManager client commands share: the `--jobmanager` and `--json` flags, a connection closed
 * after the command, job ids given in full or as a unique prefix, and JSON output for scripts.
 */
import type { Command } from "commander";
import { asJobRef, connectJobManager, NotFoundError, RpcError, type JobDetails, type JobManagerClient } from "../cluster/index.ts";
import { BicycleError } from "../core/index.ts";

/** Flags every client command takes. */
export interface ClientFlags {
  jobmanager?: string;
  json?: boolean;
}

/** The JobManager address when `--jobmanager` is not given: BICYCLE_JOBMANAGER, else 127.0.0.1:9000. */
export function defaultJobManager(): string {
  return process.env.BICYCLE_JOBMANAGER || "127.0.0.1:9000";
}

/** Add `--jobmanager` and `--json` to a client command. */
export function addClientFlags(command: Command): Command {
  return command
    .option("--jobmanager <host:port>", "the JobManager (default: BICYCLE_JOBMANAGER or 127.0.0.1:9000)")
    .option("--json", "print JSON for scripts instead of a table");
}

/** The JobManager did not answer: one line naming the address and why (exit code 2). */
export class JobManagerUnreachableError extends BicycleError {
  constructor(address: string, why: string) {
    super(`cannot reach the JobManager at ${address} (${why})`, { code: "JOBMANAGER_UNREACHABLE", domain: "external", retriable: true });
  }
}

/** The reason part of a transport error's message ("control-plane call M to A failed: STATUS: reason"). */
function unreachableReason(message: string): string {
  return /failed: (?:[A-Z_]+: )?(.*)$/s.exec(message)?.[1] ?? "no connection";
}

/**
 * Run `body` with a client of the flagged JobManager, closing it afterwards. A transport failure
 * (the client's CONNECTION_FAILED; errors the JobManager itself raised pass through) becomes a
 * JobManagerUnreachableError.
 */
export async function withJobManager<T>(flags: ClientFlags, body: (client: JobManagerClient, address: string) => Promise<T>): Promise<T> {
  const address = flags.jobmanager ?? defaultJobManager();
  const client = connectJobManager(address);
  try {
    return await body(client, address);
  } catch (error) {
    if (error instanceof BicycleError && !(error instanceof RpcError) && error.code === "CONNECTION_FAILED") throw new JobManagerUnreachableError(address, unreachableReason(error.message));
    throw error;
  } finally {
    client.close();
  }
}

/** Two jobs match a prefix: the user must type more of the id. */
export class AmbiguousJobIdError extends BicycleError {
  constructor(prefix: string, matches: readonly string[]) {
    super(`job id prefix '${prefix}' matches ${matches.length} jobs: ${matches.join(", ")}`, { code: "AMBIGUOUS_JOB_ID", domain: "user", retriable: false });
  }
}

/** The full id of the job `given` names: itself, or the one job whose id starts with it. */
export async function resolveJobId(client: JobManagerClient, given: string): Promise<string> {
  const { jobs } = await client.listJobs();
  if (jobs.some((j) => j.jobId === given)) return given;
  const matches = given === "" ? [] : jobs.filter((j) => j.jobId.startsWith(given)).map((j) => j.jobId);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new AmbiguousJobIdError(given, matches);
  throw new NotFoundError(`unknown job id '${given}'`);
}

/** GetJob of the job `given` names (full id or unique prefix). */
export async function fetchJob(client: JobManagerClient, given: string): Promise<JobDetails> {
  return client.getJob(asJobRef(await resolveJobId(client, given)));
}

export { jobRow, type JobRow } from "../cluster/index.ts";

/** Write `value` as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export { TERMINAL_STATES } from "../cluster/index.ts";
