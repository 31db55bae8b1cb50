/**
 * @module connectors/kafka/client/options
 * Connection options of the Kafka client layer: the zod schema, its defaults, and the translation to
 * @platformatic/kafka's client options (finite retries, our timeouts).
 */
import { z } from "zod";
import { KafkaConnectorError } from "./errors.ts";

/** `host:port` with a port in 1..65535; IPv6 hosts in brackets (`[::1]:9092`). */
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

const server = z.string().trim().refine((s) => {
  const m = HOST_PORT.exec(s);
  return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
}, { message: "each bootstrap server must be host:port with a port between 1 and 65535 (e.g. 127.0.0.1:9092)" });

const positiveMs = (what: string, max: number) =>
  z.number({ message: `${what} must be a number of milliseconds` }).int(`${what} must be a whole number of milliseconds`).positive(`${what} must be > 0`).max(max, `${what} must be <= ${max}`);

/** What users write (in SQL WITH options or the DataStream API). */
export const kafkaConnectionOptionsSchema = z
  .object({
    /** `"a:9092,b:9092"` or `["a:9092", "b:9092"]`. */
    bootstrapServers: z.union([z.string(), z.array(z.string())], { message: "bootstrapServers is required: a list of host:port (or one comma-separated string)" })
      .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter((s) => s.length > 0))
      .pipe(z.array(server).min(1, "bootstrapServers must name at least one host:port")),
    /** Kafka client.id: letters, digits, `.`, `_`, `-`. */
    clientId: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, "clientId may contain only letters, digits, '.', '_' and '-' (1-249 characters)").default("bicycle"),
    /** TCP connect timeout per broker connection. */
    connectTimeoutMs: positiveMs("connectTimeoutMs", 300_000).default(5_000),
    /** How long one request waits for the broker's answer. */
    requestTimeoutMs: positiveMs("requestTimeoutMs", 300_000).default(15_000),
    /** Our bound on every facade call (admin calls, sends, commits), retries included. */
    operationTimeoutMs: positiveMs("operationTimeoutMs", 3_600_000).default(30_000),
  })
  .strict();

/** Connection options as written (defaults optional). */
export type KafkaConnectionInput = z.input<typeof kafkaConnectionOptionsSchema>;
/** Validated connection options, defaults applied. */
export type KafkaConnectionOptions = z.output<typeof kafkaConnectionOptionsSchema>;

/**
 * Validate connection options; throws a KafkaConnectorError (domain "user", code KAFKA_CONFIG_INVALID)
 * listing every problem with its key.
 *
 * @example
 * const options = parseKafkaConnectionOptions({ bootstrapServers: "127.0.0.1:9092", clientId: "job-1" });
 * options.bootstrapServers; // ["127.0.0.1:9092"]
 */
export function parseKafkaConnectionOptions(input: unknown): KafkaConnectionOptions {
  const result = kafkaConnectionOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "options"}: ${issue.message}`);
  throw new KafkaConnectorError(`invalid Kafka connection options: ${problems.join("; ")}`, { code: "KAFKA_CONFIG_INVALID", domain: "user", cause: result.error });
}

/** Accept validated options or raw input (validated here). */
export function resolveConnection(input: KafkaConnectionOptions | KafkaConnectionInput): KafkaConnectionOptions {
  return parseKafkaConnectionOptions(input);
}

/** The bootstrap list as one string, for messages. */
export function describeBootstrap(options: KafkaConnectionOptions): string {
  return options.bootstrapServers.join(",");
}

/** Retries the library may do inside one call; our deadline bounds the whole call anyway. */
export const LIBRARY_RETRIES = 5;
export const LIBRARY_RETRY_DELAY_MS = 250;

/** @platformatic/kafka base options from ours: finite retries, our connect and request timeouts. */
export function toLibraryOptions(options: KafkaConnectionOptions, clientSuffix: string) {
  return {
    clientId: `${options.clientId}-${clientSuffix}`,
    bootstrapBrokers: [...options.bootstrapServers],
    connectTimeout: options.connectTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    timeout: options.requestTimeoutMs,
    retries: LIBRARY_RETRIES,
    retryDelay: LIBRARY_RETRY_DELAY_MS,
    metadataMaxAge: 5_000,
    autocreateTopics: false,
  };
}
