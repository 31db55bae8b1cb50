/**
 * @module connectors
 * Sources and sinks: in-memory elements, the index-based generator, the Nexmark generator, print, stdout (SQL results), collect, user sink
 * functions, the two-phase-commit sink base, the CSV / JSON-lines file and stdin sources and the exactly-once file sink, and the registry the
 * runtime creates them from. Imports core, plan, state, operators.
 */
export * from "./registry.ts";
export { ElementsSource } from "./elements/elements-source.ts";
export { GeneratorSource, type GeneratorOptions } from "./generator/generator-source.ts";
export {
  eventTime,
  NEXMARK_DEFAULTS,
  NEXMARK_TABLES,
  NEXMARK_WATERMARK_DELAY_MS,
  NexmarkGenerator,
  nexmarkEvent,
  nexmarkKindOf,
  NexmarkSource,
  parseNexmarkSourceConfig,
  type Auction,
  type Bid,
  type NexmarkEvent,
  type NexmarkEventKind,
  type NexmarkGeneratorConfig,
  type NexmarkSourceConfig,
  type NexmarkTable,
  type Person,
} from "./datagen/nexmark/index.ts";
export { SplitCursor, type SplitOffsets } from "./common/split-cursor.ts";
export { timestampFieldReader } from "./common/timestamp-field.ts";
export { PrintSink } from "./print/print-sink.ts";
export { parseStdoutSinkConfig, PIPE_BUF_BYTES, StdoutSink, writeWholeRecords, type RecordWriter, type StdoutSinkConfig } from "./stdout/stdout-sink.ts";
export {
  csvField,
  formatCsvHeader,
  formatCsvRow,
  formatInterval,
  formatJsonRow,
  formatTableHeader,
  formatTableRow,
  formatTimestamp,
  NULL_TEXT,
  STDOUT_COLUMN_TYPES,
  STDOUT_FORMATS,
  tableWidths,
  type StdoutColumn,
  type StdoutColumnType,
  type StdoutFormat,
} from "./stdout/row-format.ts";
export { CallbackSink, FunctionSink, type SinkFunction } from "./collect/collect-sink.ts";
export { ConnectorError } from "./common/connector-error.ts";
export { TwoPhaseCommitSink, type TwoPhaseCommitState, type RecoveredSubtask, type SinkInitContext } from "./common/two-phase-commit-sink.ts";
export { FileSink, FILE_FORMATS, parseFileSinkConfig, type FileFormat, type FileSinkConfig, type FileTransaction } from "./file/file-sink.ts";
export { CHUNK_BYTES, FileRecordReader, FileSource, restoredStart, type EmittedLayer, type ReaderStart, parseFileSourceConfig, parseTextSourceConfig, sampleFile, TextRecordDecoder, type FileSourceConfig, type FileSourcePosition, type TextSourceConfig } from "./file/file-source.ts";
export { BadRecordError, METRIC_BAD_RECORDS_SKIPPED, parseCsvRecord, RecordSplitter, TEXT_FORMATS, type BadRecordPolicy, type TextFormat } from "./file/records.ts";
export { coerce, CoercionError, COLUMN_TYPES, inferSchema, isTimeAttributeName, parseIsoTimestamp, parseRecordSchema, type ColumnType, type RecordSchema } from "./file/schema.ts";
export { parseStdinSourceConfig, StdinSource, type StdinSourceState } from "./stdin/stdin-source.ts";
export { createKafkaSink, DEDUP_HEADER, KafkaExactlyOnceSink, KafkaProducerSink, kafkaSinkOptionsSchema, MIN_TRANSACTION_TIMEOUT_MS, parseKafkaSinkOptions, type KafkaDeliveryGuarantee, type KafkaSinkFormat, type KafkaSinkFunctions, type KafkaSinkInput, type KafkaSinkOptions, type KafkaSinkTestHooks, type KafkaTransaction } from "./kafka/sink/index.ts";
export { KafkaSource, kafkaSourceOptionsSchema, parseKafkaSourceConfig, type KafkaFormat, type KafkaMessage, type KafkaSourceConfigInput, type KafkaSourceFunctions, type KafkaStartFrom, type KafkaBadRecordPolicy, type ValueSchema } from "./kafka/source/index.ts";
export { parsePulsarSinkOptions, parsePulsarSourceOptions, PULSAR_UNAVAILABLE_MESSAGE, pulsarConnectionSchema, pulsarSinkOptionsSchema, pulsarSourceOptionsSchema, type PulsarSinkOptions, type PulsarSinkOptionsInput, type PulsarSourceOptions, type PulsarSourceOptionsInput } from "./pulsar/options.ts";
