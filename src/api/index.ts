/**
 * @module api
 * The typed DataStream API: StreamEnvironment, DataStream, KeyedStream, WindowedStream, window
 * assigners and watermark strategies. Builds plan/ JobDefinitions; never imports the runtime.
 */
export { StreamEnvironment, setDefaultExecutor, type Executor, type JobClient, type ExecutionResult, type SourceOptions, type GeneratorSourceOptions, type TextSourceOptions, type NexmarkStreamOptions, type NexmarkRecord } from "./environment.ts";
export { DataStream, type CollectHandle } from "./data-stream.ts";
export { KeyedStream } from "./keyed-stream.ts";
export { WindowedStream } from "./windowed-stream.ts";
export { TumblingEventTimeWindows, SlidingEventTimeWindows, EventTimeSessionWindows } from "./windows.ts";
export { boundedOutOfOrderness, forMonotonousTimestamps, type WatermarkStrategy } from "./watermark-strategy.ts";
export { resolveOptions, environmentOptionsSchema, type EnvironmentOptions, type ResolvedEnvironmentOptions } from "./options.ts";
export type { NumericKeys, OperatorOptions } from "./types.ts";
