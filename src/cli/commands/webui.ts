/**
 * @module cli/commands/webui
 * `bicycle webui --bind 0.0.0.0:8081 --jobmanager HOST:9000`: the dashboard and REST API as their own process, over a
 * gRPC client of a remote JobManager. Savepoints go under `--savepoint-dir` (a directory on the
 * JobManager's host; default BICYCLE_SAVEPOINT_DIR, else the endpoint answers 501). Runs until
 * SIGINT/SIGTERM.
 */
import type { Command } from "commander";
import { connectJobManager } from "../../cluster/index.ts";
import { log } from "../../core/index.ts";
import { defaultJobManager } from "../cluster-client.ts";
import { untilSignal } from "../signals.ts";
import { startWeb } from "../web-server.ts";

interface Flags {
  bind: string;
  jobmanager?: string;
  savepointDir?: string;
}

export function registerWebUi(program: Command): void {
  program
    .command("webui")
    .description("serve the web dashboard and REST API for a JobManager")
    .option("--bind <host:port>", "where to listen", "0.0.0.0:8081")
    .option("--jobmanager <host:port>", "the JobManager (default: BICYCLE_JOBMANAGER or 127.0.0.1:9000)")
    .option("--savepoint-dir <dir>", "savepoints go under this directory on the JobManager's host (default: BICYCLE_SAVEPOINT_DIR)")
    .action(async (flags: Flags) => {
      const address = flags.jobmanager ?? defaultJobManager();
      const client = connectJobManager(address);
      const savepointDir = flags.savepointDir ?? (process.env.BICYCLE_SAVEPOINT_DIR || undefined);
      const web = startWeb(client, flags.bind, savepointDir);
      log.info(`serving the JobManager at ${address}`);
      const signal = await untilSignal();
      log.info(`webui stopping (${signal})`);
      await web.stop();
      client.close();
    });
}
