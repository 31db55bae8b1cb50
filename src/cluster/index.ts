/**
 * @module cluster
 * The distributed runtime: the JobManager (registry, scheduler, JobMasters, metadata store), workers
 * (TaskExecutor with one thread per slot, frame routing), the attempt descriptor both agree on, and the
 * MiniCluster that runs the same code in one process. Imports everything below it except api and sql.
 */
export { channelsOf, channelCount, parseAttemptDescriptor, taskIdOf, type AttemptDescriptor, type ChannelSpec } from "./deployment.ts";
export { PLAN_ONLY_LOADER, type JobLoader, type JobLoadRequest } from "./job-loader.ts";
export { parseClusterJobOptions, type ClusterJobOptions } from "./job-options.ts";
export { JobManager, type JobManagerOptions } from "./jobmanager/job-manager.ts";
export { JobMaster } from "./jobmanager/job-master.ts";
export { JobStore, type JobRecord, type CheckpointRecord } from "./jobmanager/job-store.ts";
export { WorkerRegistry } from "./jobmanager/worker-registry.ts";
export { scheduleJob, slotsRequired } from "./jobmanager/scheduler.ts";
export { TaskExecutor, type TaskExecutorOptions } from "./worker/task-executor.ts";
export { SlotRuntime } from "./worker/slot-runtime.ts";
export { inlineSlot, threadSlot, type SlotHost, type SlotInitMessage } from "./worker/slot-host.ts";
export type { SlotPort } from "./worker/slot-messages.ts";
export { MiniCluster, type MiniClusterOptions } from "./mini-cluster.ts";
export * from "./client.ts";
export { jobRow, jobTotals, liveJobDetails, metricsSnapshot, vertexOfTask, TERMINAL_STATES, type JobRow } from "./job-totals.ts";
