/**
 * @module bicycle
 * The public package entry (`import { StreamEnvironment } from "bicycle"`): the DataStream API plus
 * the types user functions see. Also installs the in-process runtime as the default executor, which
 * api/ cannot do itself because it may not import runtime/.
 */
import { setDefaultExecutor } from "./api/index.ts";
import { executeLocally } from "./runtime/index.ts";

setDefaultExecutor((job, options, onStart) => {
  const { chaining, channelCapacity, checkpointInterval, checkpointTimeout, minPauseBetweenCheckpoints, alignmentTimeout } = options;
  return executeLocally(job, {
    chaining,
    channelCapacity,
    checkpointInterval,
    checkpointTimeout,
    minPauseBetweenCheckpoints,
    alignmentTimeout,
    retainedCheckpoints: options.retainedCheckpoints,
    stateBackend: options.stateBackend,
    restartStrategy: options.restartStrategy,
    allowNonRestoredState: options.allowNonRestoredState,
    ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
    ...(options.checkpointDir === undefined ? {} : { checkpointDir: options.checkpointDir }),
    ...(options.fromSavepoint === undefined ? {} : { fromSavepoint: options.fromSavepoint }),
    ...(onStart === undefined ? {} : { onStart }),
  });
});

export * from "./api/index.ts";
export { OutputTag, BicycleError, JobError, PlanError, ConfigError, type TimeWindow, type WindowResult, type Source, type SourceOutput, type PollResult } from "./core/index.ts";
export type { ValueState, ListState, MapState, ReducingState, TimerService } from "./core/index.ts";
export {
  valueState,
  listState,
  mapState,
  reducingState,
  type AggregateFunction,
  type Collector,
  type KeyedProcessFunction,
  type ProcessFunction,
  type ProcessWindowFunction,
  type KeyedRuntimeContext,
  type RuntimeContext,
} from "./operators/index.ts";
export type { SinkFunction } from "./connectors/index.ts";
export { nexmarkEvent, NexmarkGenerator, type Auction, type Bid, type NexmarkEvent, type NexmarkGeneratorConfig, type NexmarkTable, type Person } from "./connectors/index.ts";
export type { JobExecutionResult } from "./runtime/index.ts";
export { createStateBackend, stateBackendFromEnv, type StateBackend, type KeyedStateBackend, type KeyedStateSnapshot, type StateBackendKind } from "./state/index.ts";
// For `bicycle sql` (cli/ reaches connectors/ only through this facade): schema inference of an input
// file, and the result header lines and whole-line writer of the stdout sink.
export { inferSchema, sampleFile, type ColumnType, type RecordSchema } from "./connectors/index.ts";
export { formatCsvHeader, formatTableHeader, writeWholeRecords, type StdoutColumn, type StdoutFormat } from "./connectors/index.ts";
