/**
 * @module connectors/kafka/source/options
 * Options of the Kafka source: the zod schema of what is stored in the plan node (JSON only), with
 * the connection options of the client layer, and the parser whose errors name every bad key.
 * Non-JSON parts (zod schemas of key/value, a timestamp function) travel as the node's functions.
 */
import { z } from "zod";
import { kafkaConnectionOptionsSchema, KafkaConnectorError } from "../client/index.ts";

/** How the bytes of a key or value are decoded: as they are, UTF-8 text, or JSON (optionally validated by a zod schema). */
export const KAFKA_FORMATS = ["raw", "string", "json"] as const;
export type KafkaFormat = (typeof KAFKA_FORMATS)[number];

const format = z.enum(KAFKA_FORMATS, { message: `must be one of ${KAFKA_FORMATS.map((f) => `"${f}"`).join(", ")}` });
const nonNegativeMs = (what: string) => z.number({ message: `${what} must be a number of milliseconds` }).int(`${what} must be a whole number`).min(0, `${what} must be >= 0`);

/** Where partitions without a restored offset start. */
const startFrom = z.union(
  [
    z.literal("earliest"),
    z.literal("latest"),
    z.object({ timestampMs: z.number().int().min(0) }).strict(),
    z.object({ committedOffsets: z.string().min(1), fallback: z.enum(["earliest", "latest"]).default("earliest") }).strict(),
  ],
  { message: 'must be "earliest", "latest", { timestampMs }, or { committedOffsets: groupId, fallback: "earliest" | "latest" }' },
);

/** What to do with a record whose key or value cannot be decoded (or does not match its schema). */
const onBadRecord = z.union([z.literal("fail"), z.literal("skip"), z.object({ deadLetterTopic: z.string().min(1) }).strict()], {
  message: 'must be "fail", "skip" or { deadLetterTopic: "<topic>" }',
});

/** The Kafka source's options as stored in the plan node's config. */
export const kafkaSourceOptionsSchema = z
  .object({
    connection: kafkaConnectionOptionsSchema,
    /** Topics to read (all their partitions). Exactly one of `topics` and `topicPattern`. */
    topics: z.array(z.string().min(1)).min(1, "topics must name at least one topic").optional(),
    /** A regular expression (source text) every read topic's whole name matches; resolved at open. */
    topicPattern: z.string().min(1).refine((s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    }, "topicPattern must be a valid regular expression").optional(),
    startFrom: startFrom.default("earliest"),
    /**
     * Stop at the partitions' end offsets (last stable offset under read_committed) as of the job's
     * first start, instead of reading forever (Flink's `setBounded(OffsetsInitializer.latest())`).
     * The stop offsets are part of the checkpointed state, so a restarted job stops at the same place.
     */
    bounded: z.boolean().default(false),
    format: format.default("raw"),
    /** Key format; without it keys are not decoded (`key` is the raw bytes in the metadata form). */
    keyFormat: format.optional(),
    isolationLevel: z.enum(["read_committed", "read_uncommitted"]).default("read_committed"),
    onBadRecord: onBadRecord.default("fail"),
    /** On checkpoint complete, also commit the checkpointed offsets to this consumer group (monitoring only). */
    commitOffsetsToGroup: z.string().min(1).optional(),
    /** A partition without records for this long does not hold back the watermark; 0 = never idle. */
    idleTimeoutMs: nonNegativeMs("idleTimeoutMs").default(0),
    /** Per-partition bounded out-of-orderness watermarks; absent = no watermarks until the end. */
    watermarks: z.object({ maxOutOfOrdernessMs: nonNegativeMs("watermarks.maxOutOfOrdernessMs") }).strict().optional(),
    /** Emit `{ key, value, topic, partition, offset, timestamp, headers }` instead of the value. */
    withMetadata: z.boolean().default(false),
    /** Max records per emitted batch. */
    batchSize: z.number().int().positive("batchSize must be > 0").default(1024),
    /** How long one fetch waits on the broker when no data is available. */
    maxWaitMs: z.number().int().positive().max(10_000).default(100),
  })
  .strict()
  .superRefine((o, ctx) => {
    if ((o.topics === undefined) === (o.topicPattern === undefined)) {
      ctx.addIssue({ code: "custom", path: ["topics"], message: "give exactly one of 'topics' (a list of names) and 'topicPattern' (a regular expression)" });
    }
  });

/** The Kafka source options as written (defaults optional). */
export type KafkaSourceConfigInput = z.input<typeof kafkaSourceOptionsSchema>;
/** Validated Kafka source options, defaults applied. */
export type KafkaSourceConfig = z.output<typeof kafkaSourceOptionsSchema>;
export type KafkaStartFrom = KafkaSourceConfig["startFrom"];
export type KafkaBadRecordPolicy = KafkaSourceConfig["onBadRecord"];

/**
 * Validate source options; throws a KafkaConnectorError (domain "user", KAFKA_CONFIG_INVALID) listing
 * every problem with its key, e.g. `startFrom: must be "earliest", ...`.
 *
 * @example
 * const config = parseKafkaSourceConfig({ connection: { bootstrapServers: "127.0.0.1:9092" }, topics: ["orders"], format: "json" });
 * config.isolationLevel; // "read_committed"
 */
export function parseKafkaSourceConfig(input: unknown): KafkaSourceConfig {
  const result = kafkaSourceOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "options"}: ${issue.message}`);
  throw new KafkaConnectorError(`invalid Kafka source options: ${problems.join("; ")}`, { code: "KAFKA_CONFIG_INVALID", domain: "user", cause: result.error });
}
