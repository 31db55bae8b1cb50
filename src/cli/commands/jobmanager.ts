/**
 * @module cli/commands/jobmanager
 * `bicycle jobmanager`: the cluster's JobManager process: serves the control plane over gRPC and keeps
 * its jobs in the checkpoint directory's store, so a restarted JobManager resumes them. Runs until
 * SIGINT/SIGTERM; jobs keep their stored state across a stop. With `--web HOST:PORT` it also serves the
 * dashboard and REST API over its own (in-process) gateway, savepoints going under `<checkpoint-dir>/savepoints`.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { inMemoryJobManager, JobManager, serveJobManager } from "../../cluster/index.ts";
import { log } from "../../core/index.ts";
import { JOB_MANAGER_ENV, jobManagerConfigSchema, resolveConfig, splitHostPort } from "../cluster-config.ts";
import { positiveInt } from "../job-options.ts";
import { untilSignal } from "../signals.ts";
import { startWeb } from "../web-server.ts";

interface Flags {
  config?: string;
  bind?: string;
  checkpointDir?: string;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  slotWaitTimeoutMs?: number;
  web?: string;
}

export function registerJobManager(program: Command): void {
  program
    .command("jobmanager")
    .description("run the cluster's JobManager (gRPC control plane, scheduling, checkpoints, failover)")
    .option("-c, --config <file>", "config file (YAML or JSON), e.g. config/jobmanager.yaml")
    .option("--bind <host:port>", "control-plane address (default 0.0.0.0:9000)")
    .option("--checkpoint-dir <dir>", "checkpoints and the JobManager's store (default: BICYCLE_CHECKPOINT_DIR or the temp dir)")
    .option("--heartbeat-interval-ms <ms>", "how often workers heartbeat", positiveInt)
    .option("--heartbeat-timeout-ms <ms>", "a worker silent this long is lost", positiveInt)
    .option("--slot-wait-timeout-ms <ms>", "how long a job waits for free slots", positiveInt)
    .option("--web <host:port>", "also serve the dashboard and REST API here, e.g. 0.0.0.0:8081")
    .action(async (flags: Flags) => {
      const { config, ...rest } = flags;
      const settings = resolveConfig(jobManagerConfigSchema, "jobmanager", config, JOB_MANAGER_ENV, { ...rest });
      const bind = splitHostPort(settings.bind);
      const jobManager = JobManager.start({
        checkpointDir: settings.checkpointDir,
        heartbeatIntervalMs: settings.heartbeatIntervalMs,
        slotWaitTimeoutMs: settings.slotWaitTimeoutMs,
        ...(settings.heartbeatTimeoutMs === undefined ? {} : { heartbeatTimeoutMs: settings.heartbeatTimeoutMs }),
      });
      const server = await serveJobManager(jobManager, { host: bind.hostname, port: bind.port });
      log.info(`JobManager listening on ${server.address} (checkpoints in ${settings.checkpointDir})`);
      const web = settings.web === undefined ? undefined : startWeb(inMemoryJobManager(jobManager), settings.web, join(settings.checkpointDir, "savepoints"));
      const signal = await untilSignal();
      log.info(`JobManager stopping (${signal})`);
      await web?.stop();
      await server.close();
      await jobManager.stop();
    });
}
