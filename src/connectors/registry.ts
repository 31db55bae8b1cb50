/**
 * @module connectors/registry
 * Source and sink kinds -> factories. A plan node whose kind starts with "source:" is a source, one
 * with "sink:" a sink; the runtime asks this registry for them. Connectors added by later modules
 * (SQL tables, Kafka) register here too. Kinds whose options are defined but whose connector is not in
 * this build (Pulsar) are registered as unavailable: `checkConnectorAvailability(plan)` rejects a plan
 * using them at job build (executeLocally, the JobManager's submit), and their factories throw the same
 * PlanError should a task get that far.
 */
import { DEFAULT_BATCH_SIZE, PlanError, type Operator, type Source } from "../core/index.ts";
import { instantiate } from "../operators/index.ts";
import type { LogicalPlan, PlanNode } from "../plan/index.ts";
import { CallbackSink, FunctionSink, type SinkFunction } from "./collect/collect-sink.ts";
import { NexmarkSource } from "./datagen/nexmark/index.ts";
import { datagenRow, parseDatagenConfig } from "./datagen/rows/datagen-rows.ts";
import { ElementsSource } from "./elements/elements-source.ts";
import { FileSink, parseFileSinkConfig } from "./file/file-sink.ts";
import { FileSource, parseFileSourceConfig } from "./file/file-source.ts";
import { StdinSource, parseStdinSourceConfig } from "./stdin/stdin-source.ts";
import { GeneratorSource } from "./generator/generator-source.ts";
import { createKafkaSink, type KafkaSinkFunctions } from "./kafka/sink/index.ts";
import { KafkaSource, parseKafkaSourceConfig, type KafkaSourceFunctions } from "./kafka/source/index.ts";
import { PrintSink } from "./print/print-sink.ts";
import { parseStdoutSinkConfig, StdoutSink } from "./stdout/stdout-sink.ts";
import { pulsarUnavailable } from "./pulsar/options.ts";
import { timestampFieldReader } from "./common/timestamp-field.ts";

type Fns = Readonly<Record<string, unknown>>;
export type SourceFactory = (node: PlanNode, fns: Fns) => Source<unknown>;
export type SinkFactory = (node: PlanNode, fns: Fns) => Operator<unknown, never>;

function numberOption(node: PlanNode, key: string, fallback: number): number {
  const v = node.config[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new PlanError(`${node.kind} '${node.name}': option '${key}' must be a non-negative number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function need<T>(node: PlanNode, fns: Fns, name: string, check: (v: unknown) => boolean): T {
  const v = fns[name];
  if (!check(v)) throw new PlanError(`${node.kind} '${node.name}' (${node.id}) is missing its '${name}'`);
  return v as T;
}

/**
 * A `source:kafka` node. A plan-only job (SQL) names its time attribute as `timestampField` in the
 * config instead of shipping `fns.timestamps`: it is taken out before the strict option schema sees
 * the config, and becomes the timestamp function (epoch milliseconds read from that field of each
 * decoded value) unless the node carries its own.
 */
function kafkaSource(node: PlanNode, fns: KafkaSourceFunctions): KafkaSource {
  const { timestampField: _, ...config } = node.config;
  const timestamps = fns.timestamps ?? timestampFieldReader(node);
  return new KafkaSource(parseKafkaSourceConfig(config), timestamps === null ? fns : { ...fns, timestamps });
}

/**
 * Kinds defined (options and all) but not available in this build -> the PlanError a plan node of that
 * kind gets (its options validated first). Pulsar: no Pulsar broker can be run here; a later release adds it.
 */
const UNAVAILABLE = new Map<string, (node: PlanNode) => PlanError>([
  ["source:pulsar", pulsarUnavailable],
  ["sink:pulsar", pulsarUnavailable],
]);

const unavailable = (node: PlanNode): never => {
  throw UNAVAILABLE.get(node.kind)!(node);
};

const SOURCES = new Map<string, SourceFactory>([
  [
    "source:elements",
    (node, fns) => new ElementsSource(need<unknown[]>(node, fns, "elements", Array.isArray), numberOption(node, "batchSize", DEFAULT_BATCH_SIZE)),
  ],
  [
    "source:generator",
    (node, fns) =>
      new GeneratorSource(need<(i: number) => unknown>(node, fns, "generate", (v) => typeof v === "function"), {
        count: numberOption(node, "count", 0),
        batchSize: numberOption(node, "batchSize", DEFAULT_BATCH_SIZE),
        ratePerSecond: numberOption(node, "ratePerSecond", 0),
      }),
  ],
  // SQL datagen: config = DatagenConfig { rows, rowsPerSecond, seed, columns } (+ timestampField, watermarks).
  [
    "source:datagen",
    (node) => {
      const config = parseDatagenConfig(node.config);
      return new GeneratorSource(datagenRow(config), { count: config.rows, batchSize: numberOption(node, "batchSize", DEFAULT_BATCH_SIZE), ratePerSecond: config.rowsPerSecond });
    },
  ],
  // Nexmark: config = NexmarkSourceConfig { table, events, rate?, seed?, baseTimeMs?, outOfOrdernessMs?, paced?, batchSize }.
  ["source:nexmark", (node) => new NexmarkSource(node.config)],
  // Kafka: config = KafkaSourceConfigInput (connection, topics | topicPattern, startFrom, format, ...)
  // + the plan-only `timestampField` (SQL); fns valueSchema / keySchema (zod) and timestamps.
  ["source:kafka", (node, fns) => kafkaSource(node, fns as KafkaSourceFunctions)],
  // CSV / JSON lines: config { path, format, header?, delimiter?, columns?, schema?, onBadRecord?, batchSize }.
  ["source:file", (node) => new FileSource(parseFileSourceConfig(node.config, node.name))],
  // Standard input (not replayable): the file source's options without path.
  ["source:stdin", (node) => new StdinSource(parseStdinSourceConfig(node.config, node.name))],
  // Pulsar: options in pulsar/options.ts; not available in this build (checkConnectorAvailability).
  ["source:pulsar", unavailable],
  [
    "source:function",
    (node, fns) => {
      const create = need<() => Source<unknown>>(node, fns, "create", (v) => typeof v === "function");
      const source = create();
      if (source === null || typeof source !== "object" || typeof source.pollNext !== "function") {
        throw new PlanError(`source '${node.name}': the factory must return an object with pollNext(out)`);
      }
      return source;
    },
  ],
]);

const SINKS = new Map<string, SinkFactory>([
  ["sink:print", () => new PrintSink()],
  // SQL results on stdout (a bare SELECT): config { format: "table" | "json" | "csv", columns: { name, type }[], updating }.
  ["sink:stdout", (node) => new StdoutSink(parseStdoutSinkConfig(node))],
  ["sink:discard", () => ({ processBatch: () => {} })],
  ["sink:collect", (node, fns) => new CallbackSink(need(node, fns, "onBatch", (v) => typeof v === "function"))],
  // Exactly-once part files in a directory: config { path, format: "jsonl" | "text" }.
  ["sink:file", (node) => new FileSink(parseFileSinkConfig(node))],
  // Kafka: config = KafkaSinkInput (connection, topic, format, delivery, ...); fns key / recordId.
  ["sink:kafka", (node, fns) => createKafkaSink(node, fns as KafkaSinkFunctions)],
  ["sink:pulsar", unavailable],
  ["sink:function", (node, fns) => new FunctionSink(instantiate(need<SinkFunction<unknown>>(node, fns, "sink", (v) => v !== null && typeof v === "object")))],
]);

export function registerSource(kind: string, factory: SourceFactory): void {
  SOURCES.set(kind, factory);
  UNAVAILABLE.delete(kind);
}
export function registerSink(kind: string, factory: SinkFactory): void {
  SINKS.set(kind, factory);
  UNAVAILABLE.delete(kind);
}

/**
 * Throw a PlanError for the first node of `plan` whose connector is not available in this build (code
 * PULSAR_UNAVAILABLE for Pulsar; a bad option of such a node is reported first, as PLAN_INVALID).
 * Called at job build: by executeLocally and by the JobManager's submit (INVALID_ARGUMENT).
 *
 * @example
 * checkConnectorAvailability(env.getJobDefinition("orders").plan); // throws if it reads from Pulsar
 */
export function checkConnectorAvailability(plan: Pick<LogicalPlan, "nodes">): void {
  for (const node of plan.nodes) {
    const error = UNAVAILABLE.get(node.kind);
    if (error !== undefined) throw error(node);
  }
}

export const isSourceKind = (kind: string): boolean => kind.startsWith("source:");
export const isSinkKind = (kind: string): boolean => kind.startsWith("sink:");

export function createSource(node: PlanNode, fns: Fns): Source<unknown> {
  const factory = SOURCES.get(node.kind);
  if (factory === undefined) throw new PlanError(`unknown source kind '${node.kind}' for node '${node.name}'`);
  return factory(node, fns);
}

export function createSink(node: PlanNode, fns: Fns): Operator<unknown, never> {
  const factory = SINKS.get(node.kind);
  if (factory === undefined) throw new PlanError(`unknown sink kind '${node.kind}' for node '${node.name}'`);
  return factory(node, fns);
}
