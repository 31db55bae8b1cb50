/**
 * @module runtime
 * Executes JobGraphs: StreamTasks with operator chains, bounded credit-based channels, the watermark
 * valve, keyed timers, and the local executor. Imports core, plan, state, operators, connectors.
 */
export * from "./events.ts";
export * from "./local-executor.ts";
export { LocalChannel, DEFAULT_CHANNEL_CAPACITY, type InputChannel, type OutputChannel } from "./channels/local-channel.ts";
export { Wakeup } from "./channels/wakeup.ts";
export { InputGate } from "./channels/input-gate.ts";
export { WatermarkValve } from "./time/watermark-valve.ts";
export { KeyedTimerService } from "./time/timer-service.ts";
export { BoundedOutOfOrdernessGenerator, type WatermarkSpec } from "./time/watermark-generator.ts";
export { buildSubtask, type SubtaskWiring, type TaskBuildContext } from "./task/task-builder.ts";
export { JobRunControl, StreamTask, type TaskCheckpointing } from "./task/stream-task.ts";
export { LocalJobRunner, type JobRunOptions } from "./local/job-runner.ts";
export { createRestartStrategy, nonRetriableReason, type RestartStrategy, type RestartDecision } from "./recovery/restart-strategy.ts";
export { decodeTaskSnapshot, encodeTaskSnapshot, type TaskSnapshot, type OperatorSubtaskState } from "./checkpointing/task-snapshot.ts";
export { OperatorHarness, type Emitted, type HarnessOptions } from "./testing/operator-harness.ts";
export { SourceStreamTask } from "./task/source-stream-task.ts";
export { noCheckpointing } from "./task/stream-task.ts";
export { checkCompatible, loadCheckpoint, loadLatestCheckpoint, type LoadedCheckpoint } from "./local/restore-loader.ts";
export type { RestoreState } from "./checkpointing/task-snapshot.ts";
