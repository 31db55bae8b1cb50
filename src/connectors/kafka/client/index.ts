/**
 * @module connectors/kafka/client
 * The Kafka client layer of the Kafka source and sink: a small typed facade over @platformatic/kafka
 * (admin calls, a partition reader, producers, transaction recovery), every network call bounded by
 * our own timeout and every failure a KafkaConnectorError.
 */
export { KafkaConnectorError, type KafkaErrorCode } from "./errors.ts";
export { kafkaConnectionOptionsSchema, parseKafkaConnectionOptions, type KafkaConnectionInput, type KafkaConnectionOptions } from "./options.ts";
export type { IsolationLevel, KafkaHeader, KafkaOutputRecord, KafkaRecord, TopicPartition, TopicPartitionOffset } from "./types.ts";
export { KafkaAdmin, type CommittedOffset, type OffsetSpec, type TopicPartitions } from "./admin.ts";
export { KafkaReader, type PolledPartition, type ReaderOptions } from "./reader.ts";
export { decodePartitionBatches, type AbortedTransaction, type DecodedPartition } from "./read-committed.ts";
export { KafkaProducer, type ProducerOptions } from "./producer.ts";
export {
  DEFAULT_TRANSACTION_TIMEOUT_MS,
  fenceAndAbort,
  KafkaTransactionalProducer,
  resumeAndCommit,
  transactionalIdFor,
  type PreparedTransaction,
  type ProducerIdentity,
  type ResumeOutcome,
  type TransactionalProducerOptions,
} from "./transactional-producer.ts";
