/**
 * @module connectors/kafka/sink/options
 * Options of the Kafka sink (`sink:kafka`): the zod schema of its JSON config, the record encoding
 * (json | string | raw) and the transaction-timeout check against the job's checkpoint interval.
 */
import { z } from "zod";
import { DEFAULT_TRANSACTION_TIMEOUT_MS, KafkaConnectorError, kafkaConnectionOptionsSchema } from "../client/index.ts";

/** How a value (or key) becomes bytes: JSON text, `String(v)`, or the bytes as given (Uint8Array / string). */
export type KafkaSinkFormat = "json" | "string" | "raw";
/** Delivery guarantee of the sink; see the connector README for what each costs. */
export type KafkaDeliveryGuarantee = "none" | "at-least-once" | "exactly-once";

/**
 * Least transaction timeout accepted: a transaction spans a checkpoint interval plus the time the
 * checkpoint takes to complete plus a restart (recovery commits it); below a minute a slow checkpoint
 * or a restart would let the broker abort data that a completed checkpoint already counts as written.
 */
export const MIN_TRANSACTION_TIMEOUT_MS = 60_000;

export const kafkaSinkOptionsSchema = z
  .object({
    connection: kafkaConnectionOptionsSchema,
    /** The topic every record goes to (it must exist). */
    topic: z.string().min(1, "topic must be a non-empty topic name").max(249),
    /** Encoding of the value. Default "json". */
    format: z.enum(["json", "string", "raw"]).default("json"),
    /** Encoding of the key (when a key extractor is given). Default "string". */
    keyFormat: z.enum(["json", "string", "raw"]).default("string"),
    delivery: z.enum(["none", "at-least-once", "exactly-once"]).default("at-least-once"),
    /** Prefix of the transactional ids (exactly-once). Default `${jobName}`; the operator id and subtask follow. */
    transactionalIdPrefix: z.string().regex(/^[A-Za-z0-9._-]{1,180}$/, "transactionalIdPrefix may contain only letters, digits, '.', '_' and '-' (1-180 characters)").optional(),
    /** transaction.timeout.ms (exactly-once). Must cover a checkpoint interval plus a restart; <= the broker's transaction.max.timeout.ms. */
    transactionTimeoutMs: z.number().int().positive().default(DEFAULT_TRANSACTION_TIMEOUT_MS),
    /**
     * At-least-once only: deduplicate replayed records after a restore (the "idempotent writes" variant):
     * each record carries a deterministic id header; see the README for the guarantee and its limits.
     */
    dedup: z.boolean().default(false),
    /** The job's checkpoint interval (filled by the API from the environment options; 0 = off). */
    checkpointIntervalMs: z.number().int().min(0).default(0),
  })
  .strict();

export type KafkaSinkInput = z.input<typeof kafkaSinkOptionsSchema>;
export type KafkaSinkOptions = z.output<typeof kafkaSinkOptionsSchema>;

/** Validate sink options; throws a KafkaConnectorError (domain "user") naming every bad key. */
export function parseKafkaSinkOptions(input: unknown, where = "Kafka sink"): KafkaSinkOptions {
  const result = kafkaSinkOptionsSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "options"}: ${i.message}`);
    throw new KafkaConnectorError(`${where}: invalid options: ${problems.join("; ")}`, { code: "KAFKA_CONFIG_INVALID", domain: "user", cause: result.error });
  }
  const o = result.data;
  if (o.delivery === "exactly-once") {
    const least = Math.max(MIN_TRANSACTION_TIMEOUT_MS, 2 * o.checkpointIntervalMs);
    if (o.transactionTimeoutMs < least) {
      throw new KafkaConnectorError(
        `${where}: transactionTimeoutMs ${o.transactionTimeoutMs} is too small for exactly-once delivery: it must be at least ${least} ms ` +
          `(max of ${MIN_TRANSACTION_TIMEOUT_MS} ms and twice the checkpoint interval ${o.checkpointIntervalMs} ms), or the broker aborts ` +
          `transactions that a completed checkpoint still has to commit (raise it; keep it <= the broker's transaction.max.timeout.ms, 15 min by default)`,
        { code: "KAFKA_CONFIG_INVALID", domain: "user" },
      );
    }
  }
  if (o.dedup && o.delivery !== "at-least-once") {
    throw new KafkaConnectorError(`${where}: dedup applies to delivery "at-least-once" only (exactly-once needs none; "none" keeps no state), got delivery "${o.delivery}"`, { code: "KAFKA_CONFIG_INVALID", domain: "user" });
  }
  return o;
}

/** A value -> bytes for the producer, per format. `null`/`undefined` -> null (a tombstone). */
export function encode(value: unknown, format: KafkaSinkFormat, what: string): Uint8Array | string | null {
  if (value === null || value === undefined) return null;
  switch (format) {
    case "json":
      return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    case "string":
      return String(value);
    case "raw":
      if (value instanceof Uint8Array || typeof value === "string") return value;
      throw new KafkaConnectorError(`Kafka sink: format "raw" needs each ${what} to be a Uint8Array or a string, got ${typeof value}`, { code: "KAFKA_CONFIG_INVALID", domain: "user" });
  }
}
