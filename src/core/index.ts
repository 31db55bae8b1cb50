/**
 * @module core
 * The leaf of the dependency graph: records, batches, stream elements, ids, key groups, errors, and
 * the interfaces the runtime drives. Imports nothing else in src/.
 */
export * from "./batch.ts";
export * from "./errors.ts";
export * from "./ids.ts";
export * from "./key-groups.ts";
export * from "./keyed-state.ts";
export * from "./logger.ts";
export * from "./metrics.ts";
export * from "./operator.ts";
export * from "./output-tag.ts";
export * from "./source.ts";
export * from "./stream-element.ts";
export * from "./time-window.ts";
export * from "./channel.ts";
