/**
 * @module connectors/registry
 * Source and sink kinds -> factories. A plan node whose kind starts with "source:" is a source, one
 * with "sink:" a sink; the runtime asks this registry for them. Connectors added by later modules
 * (SQL tables, Kafka) register here too.
 */
import { DEFAULT_BATCH_SIZE, PlanError, type Operator, type Source } from "../core/index.ts";
import { instantiate } from "../operators/index.ts";
import type { PlanNode } from "../plan/index.ts";
import { CallbackSink, FunctionSink, type SinkFunction } from "./collect/collect-sink.ts";
import { ElementsSource } from "./elements/elements-source.ts";
import { FileSink, parseFileSinkConfig } from "./file/file-sink.ts";
import { GeneratorSource } from "./generator/generator-source.ts";
import { createKafkaSink, type KafkaSinkFunctions } from "./kafka/sink/index.ts";
import { KafkaSource, parseKafkaSourceConfig, type KafkaSourceFunctions } from "./kafka/source/index.ts";
import { PrintSink } from "./print/print-sink.ts";

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
  // Kafka: config = KafkaSourceConfigInput (connection, topics | topicPattern, startFrom, format, ...);
  // fns valueSchema / keySchema (zod) and timestamps.
  ["source:kafka", (node, fns) => new KafkaSource(parseKafkaSourceConfig(node.config), fns as KafkaSourceFunctions)],
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
  ["sink:discard", () => ({ processBatch: () => {} })],
  ["sink:collect", (node, fns) => new CallbackSink(need(node, fns, "onBatch", (v) => typeof v === "function"))],
  // Exactly-once part files in a directory: config { path, format: "jsonl" | "text" }.
  ["sink:file", (node) => new FileSink(parseFileSinkConfig(node))],
  // Kafka: config = KafkaSinkInput (connection, topic, format, delivery, ...); fns key / recordId.
  ["sink:kafka", (node, fns) => createKafkaSink(node, fns as KafkaSinkFunctions)],
  ["sink:function", (node, fns) => new FunctionSink(instantiate(need<SinkFunction<unknown>>(node, fns, "sink", (v) => v !== null && typeof v === "object")))],
]);

export function registerSource(kind: string, factory: SourceFactory): void {
  SOURCES.set(kind, factory);
}
export function registerSink(kind: string, factory: SinkFactory): void {
  SINKS.set(kind, factory);
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
