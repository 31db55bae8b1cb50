/**
 * @module connectors/kafka/sink
 * The Kafka sink (`sink:kafka`): options, the exactly-once transactional sink and the
 * none / at-least-once (optionally deduplicating) producer sink, and the factory the registry uses.
 */
import type { Operator } from "../../../core/index.ts";
import type { PlanNode } from "../../../plan/index.ts";
import type { KafkaOutputRecord } from "../client/index.ts";
import { KafkaExactlyOnceSink, type KafkaSinkTestHooks } from "./exactly-once-sink.ts";
import { encode, parseKafkaSinkOptions } from "./options.ts";
import { KafkaProducerSink } from "./producer-sink.ts";

export { KafkaExactlyOnceSink, type KafkaSinkTestHooks, type KafkaTransaction } from "./exactly-once-sink.ts";
export { KafkaProducerSink, DEDUP_HEADER, type DedupState } from "./producer-sink.ts";
export { kafkaSinkOptionsSchema, MIN_TRANSACTION_TIMEOUT_MS, parseKafkaSinkOptions, type KafkaDeliveryGuarantee, type KafkaSinkFormat, type KafkaSinkInput, type KafkaSinkOptions } from "./options.ts";

/** The functions a `sink:kafka` node may carry (never in JSON config). */
export interface KafkaSinkFunctions {
  /** Record -> key (encoded with `keyFormat`); no key when absent. */
  readonly key?: (value: unknown) => unknown;
  /** Record -> dedup id (dedup only); default: a hash of the encoded key and value. */
  readonly recordId?: (value: unknown) => string;
  readonly testHooks?: KafkaSinkTestHooks;
}

/**
 * Build the sink of a `sink:kafka` plan node; the options are validated here (a KafkaConnectorError of
 * domain "user" names each bad key, and a too small transaction timeout).
 *
 * @example
 * const sink = createKafkaSink({ id: "sink-1", kind: "sink:kafka", name: "Kafka", parallelism: 1,
 *   config: { connection: { bootstrapServers: "127.0.0.1:9092" }, topic: "out", delivery: "exactly-once" } }, {});
 */
export function createKafkaSink(node: Pick<PlanNode, "id" | "kind" | "name" | "config">, fns: KafkaSinkFunctions): Operator<unknown, never> {
  const options = parseKafkaSinkOptions(node.config, `${node.kind} '${node.name}' (${node.id})`);
  const { topic, format, keyFormat } = options;
  const keyOf = fns.key;
  const toRecord = (value: unknown): KafkaOutputRecord =>
    keyOf === undefined ? { topic, value: encode(value, format, "value") } : { topic, key: encode(keyOf(value), keyFormat, "key"), value: encode(value, format, "value") };
  if (options.delivery === "exactly-once") return new KafkaExactlyOnceSink(options, `bicycle-${topic}`, toRecord, fns.testHooks);
  return new KafkaProducerSink(options, toRecord, fns.recordId);
}
