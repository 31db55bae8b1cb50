/**
 * @module connectors/pulsar/options
 * The Apache Pulsar connector's options (`source:pulsar`, `sink:pulsar`), defined ahead of the
 * connector itself: no Pulsar broker can be run on the machines this build is tested on, so the
 * connector is not faked. A plan using either kind fails at job build with PULSAR_UNAVAILABLE (a
 * PlanError) after its options were validated, so a job written today only needs the implementation
 * once a later release adds it. The shapes follow Flink's Pulsar connector.
 */
import { z } from "zod";
import { PlanError } from "../../core/index.ts";

/** Why `source:pulsar` / `sink:pulsar` cannot run in this build (the error users see). */
export const PULSAR_UNAVAILABLE_MESSAGE = "the Pulsar connector is not available in this build: no Pulsar broker can be run here; a later release adds it";

/** `pulsar://host:6650` or `pulsar+ssl://host:6651`, several hosts comma-separated. */
const SERVICE_URL = /^pulsar(\+ssl)?:\/\/[A-Za-z0-9._-]+(:\d{1,5})?(,[A-Za-z0-9._-]+(:\d{1,5})?)*\/?$/;
/** `persistent://tenant/namespace/topic`, `non-persistent://...`, or a short name in public/default. */
const TOPIC = /^((non-)?persistent:\/\/[^/\s]+\/[^/\s]+\/[^/\s]+|[^/\s:]+)$/;

const topic = z.string().regex(TOPIC, "a Pulsar topic is persistent://tenant/namespace/name, non-persistent://..., or a short name");
const positiveMs = (what: string) => z.number().int(`${what} must be a whole number of milliseconds`).positive(`${what} must be > 0`);

/** Connection options shared by source and sink. */
export const pulsarConnectionSchema = z
  .object({
    /** The broker service URL: `pulsar://127.0.0.1:6650` (binary protocol). */
    serviceUrl: z.string({ message: "serviceUrl is required, e.g. pulsar://127.0.0.1:6650" }).regex(SERVICE_URL, "serviceUrl must be pulsar://host:port or pulsar+ssl://host:port"),
    /** The admin (HTTP) URL, for topic metadata: `http://127.0.0.1:8080`. */
    adminUrl: z.url({ message: "adminUrl must be an http(s) URL" }).optional(),
    /** Authentication plugin class and its parameters (e.g. a token). */
    authentication: z.object({ plugin: z.string().min(1), params: z.string() }).strict().optional(),
    operationTimeoutMs: positiveMs("operationTimeoutMs").default(30_000),
  })
  .strict();

/** `source:pulsar`: topics (or a pattern), a subscription, where to start, the value format. */
export const pulsarSourceOptionsSchema = pulsarConnectionSchema
  .extend({
    topics: z.array(topic).min(1, "topics must name at least one topic").optional(),
    topicPattern: z.string().min(1).optional(),
    /** The subscription the source reads through (positions live in checkpoints, as for Kafka). */
    subscription: z.string({ message: "subscription is required" }).min(1, "subscription must not be empty"),
    subscriptionType: z.enum(["exclusive", "shared", "failover", "key_shared"]).default("exclusive"),
    startFrom: z.union([z.enum(["earliest", "latest"]), z.object({ timestampMs: z.number().int().nonnegative() }).strict()]).default("earliest"),
    bounded: z.boolean().default(false),
    format: z.enum(["raw", "string", "json"]).default("raw"),
    batchSize: z.number().int().positive().optional(),
  })
  .strict()
  .refine((o) => (o.topics === undefined) !== (o.topicPattern === undefined), { message: "give exactly one of topics and topicPattern", path: ["topics"] });

/** `sink:pulsar`: one topic, the value format, the delivery guarantee. */
export const pulsarSinkOptionsSchema = pulsarConnectionSchema
  .extend({
    topic,
    format: z.enum(["raw", "string", "json"]).default("json"),
    /** exactly-once would use Pulsar transactions tied to checkpoints, like the Kafka sink. */
    delivery: z.enum(["none", "at-least-once", "exactly-once"]).default("at-least-once"),
    producerName: z.string().min(1).optional(),
  })
  .strict();

export type PulsarSourceOptionsInput = z.input<typeof pulsarSourceOptionsSchema>;
export type PulsarSourceOptions = z.output<typeof pulsarSourceOptionsSchema>;
export type PulsarSinkOptionsInput = z.input<typeof pulsarSinkOptionsSchema>;
export type PulsarSinkOptions = z.output<typeof pulsarSinkOptionsSchema>;

function parseWith<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "options"}: ${issue.message}`);
  throw new PlanError(`${where}: invalid options: ${problems.join("; ")}`, "PLAN_INVALID", result.error);
}

/** Validate `source:pulsar` options; PlanError naming every bad key. */
export function parsePulsarSourceOptions(input: unknown, where = "source:pulsar"): PulsarSourceOptions {
  return parseWith(pulsarSourceOptionsSchema, input, where);
}

/** Validate `sink:pulsar` options; PlanError naming every bad key. */
export function parsePulsarSinkOptions(input: unknown, where = "sink:pulsar"): PulsarSinkOptions {
  return parseWith(pulsarSinkOptionsSchema, input, where);
}

/**
 * The error a plan node of kind `source:pulsar` / `sink:pulsar` gets: its options are validated
 * first (a bad option is named), then PULSAR_UNAVAILABLE.
 *
 * @example
 * throw pulsarUnavailable({ kind: "source:pulsar", name: "Orders", config: { serviceUrl: "pulsar://h:6650", topics: ["t"], subscription: "s" } });
 */
export function pulsarUnavailable(node: { readonly kind: string; readonly name: string; readonly config: unknown }): PlanError {
  const where = `${node.kind} '${node.name}'`;
  try {
    if (node.kind === "source:pulsar") parsePulsarSourceOptions(node.config, where);
    else parsePulsarSinkOptions(node.config, where);
  } catch (error) {
    if (error instanceof PlanError) return error;
    throw error;
  }
  return new PlanError(`${where}: ${PULSAR_UNAVAILABLE_MESSAGE}`, "PULSAR_UNAVAILABLE");
}
