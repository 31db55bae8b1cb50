/**
 * @module connectors/kafka/source
 * The Kafka source (`source:kafka`): options, the Source implementation, and its building blocks
 * (partition assignment and offsets state, decoding, per-partition watermarks).
 */
export { KafkaSource, type KafkaMessage, type KafkaSourceFunctions } from "./kafka-source.ts";
export { KAFKA_FORMATS, kafkaSourceOptionsSchema, parseKafkaSourceConfig, type KafkaBadRecordPolicy, type KafkaFormat, type KafkaSourceConfig, type KafkaSourceConfigInput, type KafkaStartFrom } from "./options.ts";
export { assignPartitions, type KafkaSourceState } from "./assignment.ts";
export { createDecoder, type Decoder, type ValueSchema } from "./decode.ts";
export { PartitionWatermarks } from "./partition-watermarks.ts";
export * from "./events.ts";
