/**
 * @module connectors/kafka/source/events
 * Names of the metrics a Kafka source subtask keeps (counters in its MetricGroup).
 */
/** Records read from Kafka (every decoded or bad record, before the bad-record policy). */
export const METRIC_KAFKA_RECORDS_READ = "kafkaRecordsRead";
/** Bad records (undecodable key/value or schema mismatch) that failed the job. */
export const METRIC_KAFKA_BAD_RECORDS_FAILED = "kafkaBadRecordsFailed";
/** Bad records dropped under `onBadRecord: "skip"`. */
export const METRIC_KAFKA_BAD_RECORDS_SKIPPED = "kafkaBadRecordsSkipped";
/** Bad records written to the dead-letter topic. */
export const METRIC_KAFKA_BAD_RECORDS_DEAD_LETTERED = "kafkaBadRecordsDeadLettered";
/** Group offset commits (`commitOffsetsToGroup`) that failed; monitoring only, the job goes on. */
export const METRIC_KAFKA_OFFSET_COMMIT_FAILURES = "kafkaOffsetCommitFailures";
