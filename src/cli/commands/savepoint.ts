/**
 * @module cli/commands/savepoint
 * `bicycle savepoint ID [--dir DIR] [--stop]`: take a savepoint of a running job and print its path
 * (a directory on the JobManager's host), or `{jobId, checkpointId, path}` with `--json`.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { asJobRef } from "../../cluster/index.ts";
import { addClientFlags, printJson, resolveJobId, withJobManager, type ClientFlags } from "../cluster-client.ts";

interface Flags extends ClientFlags {
  dir?: string;
  stop?: boolean;
}

export function registerSavepoint(program: Command): void {
  addClientFlags(
    program
      .command("savepoint")
      .description("take a savepoint of a running job and print its path")
      .argument("<id>", "job id (or a unique prefix)")
      .option("--dir <dir>", "savepoint directory, must be new or empty (default: ./savepoints/savepoint-<id>-<time>)")
      .option("--stop", "stop the job once the savepoint completes"),
  ).action(async (id: string, flags: Flags) => {
    await withJobManager(flags, async (client) => {
      const jobId = await resolveJobId(client, id);
      const dir = resolve(flags.dir ?? `savepoints/savepoint-${jobId.slice(0, 8)}-${Date.now()}`);
      const result = await client.triggerSavepoint({ ...asJobRef(jobId), dir, thenStop: flags.stop === true });
      if (flags.json === true) return printJson({ jobId, checkpointId: result.checkpointId, path: result.path });
      process.stdout.write(`${result.path}\n`);
    });
  });
}
