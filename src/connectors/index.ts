/**
 * @module connectors
 * Sources and sinks: in-memory elements, the index-based generator, print, collect and user sink
 * functions, and the registry the runtime creates them from. Imports core, plan, state, operators.
 */
export * from "./registry.ts";
export { ElementsSource } from "./elements/elements-source.ts";
export { GeneratorSource, type GeneratorOptions } from "./generator/generator-source.ts";
export { SplitCursor, splitRange, type SplitOffsets } from "./common/split-cursor.ts";
export { PrintSink } from "./print/print-sink.ts";
export { CallbackSink, FunctionSink, type SinkFunction } from "./collect/collect-sink.ts";
