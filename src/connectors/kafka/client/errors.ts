/**
 * @module connectors/kafka/client/errors
 * KafkaConnectorError and the two helpers every call of the client layer goes through: `withDeadline`
 * (our own bound on a call, since the library may retry a dead broker for a long time) and
 * `toKafkaError` (a library error -> a KafkaConnectorError naming the bootstrap address and operation).
 */
import { BicycleError, type ErrorDomain } from "../../../core/index.ts";

/** Stable codes of KafkaConnectorError; the restart strategy reads `domain` and `retriable`. */
export type KafkaErrorCode =
  | "KAFKA_CONFIG_INVALID"
  | "KAFKA_TIMEOUT"
  | "KAFKA_NETWORK"
  | "KAFKA_BROKER_ERROR"
  | "KAFKA_OFFSET_OUT_OF_RANGE"
  | "KAFKA_PRODUCER_FENCED"
  | "KAFKA_TRANSACTION_STATE"
  | "KAFKA_CLOSED";

/**
 * A Kafka call failed. `domain` is "external" for broker and network problems (the message names the
 * bootstrap address and the operation) and "user" for bad configuration; `brokerError` is the Kafka
 * protocol error name when the broker answered with one (e.g. "INVALID_TXN_STATE").
 */
export class KafkaConnectorError extends BicycleError {
  readonly brokerError: string | undefined;

  constructor(message: string, options: { code: KafkaErrorCode; domain: ErrorDomain; retriable?: boolean; cause?: unknown; brokerError?: string }) {
    super(message, { code: options.code, domain: options.domain, retriable: options.retriable ?? false, cause: options.cause });
    this.brokerError = options.brokerError;
  }
}

/** What a failing call was doing, for messages: "Kafka at <bootstrap>: <operation> failed: ...". */
export interface KafkaCallSite {
  readonly bootstrap: string;
  readonly operation: string;
}

/** Protocol errors a caller may retry (the broker is busy, moving or electing). */
const RETRIABLE_BROKER_ERRORS = new Set([
  "COORDINATOR_LOAD_IN_PROGRESS",
  "COORDINATOR_NOT_AVAILABLE",
  "NOT_COORDINATOR",
  "CONCURRENT_TRANSACTIONS",
  "NOT_LEADER_OR_FOLLOWER",
  "LEADER_NOT_AVAILABLE",
  "FENCED_LEADER_EPOCH",
  "UNKNOWN_LEADER_EPOCH",
  "NOT_ENOUGH_REPLICAS",
  "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
  "REQUEST_TIMED_OUT",
  "NETWORK_EXCEPTION",
  "KAFKA_STORAGE_ERROR",
  "UNKNOWN_TOPIC_ID",
]);
const USER_BROKER_ERRORS = new Set([
  "TOPIC_AUTHORIZATION_FAILED",
  "GROUP_AUTHORIZATION_FAILED",
  "CLUSTER_AUTHORIZATION_FAILED",
  "TRANSACTIONAL_ID_AUTHORIZATION_FAILED",
  "SASL_AUTHENTICATION_FAILED",
  "INVALID_TOPIC_EXCEPTION",
  "INVALID_PARTITIONS",
  "INVALID_REPLICATION_FACTOR",
  "INVALID_CONFIG",
  "INVALID_TRANSACTION_TIMEOUT",
  "TOPIC_ALREADY_EXISTS",
  "POLICY_VIOLATION",
]);

interface LibraryErrorShape {
  message?: string;
  code?: string;
  apiId?: string;
  errors?: unknown[];
  cause?: unknown;
}

/** The first Kafka protocol error id (e.g. "PRODUCER_FENCED") found in a library error tree. */
export function brokerErrorOf(error: unknown, depth = 0): string | undefined {
  if (typeof error !== "object" || error === null || depth > 6) return undefined;
  const e = error as LibraryErrorShape;
  if (typeof e.apiId === "string") return e.apiId;
  for (const inner of e.errors ?? []) {
    const found = brokerErrorOf(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return brokerErrorOf(e.cause, depth + 1);
}

/** The distinct leaf messages of a library error tree (MultipleErrors nest the real causes). */
function leafMessages(error: unknown, into: string[] = [], depth = 0): string[] {
  if (depth > 6 || error === null || error === undefined) return into;
  const e = error as LibraryErrorShape;
  const inner = Array.isArray(e.errors) ? e.errors : [];
  if (inner.length > 0) for (const i of inner) leafMessages(i, into, depth + 1);
  else {
    const message = error instanceof Error ? error.message : String(error);
    if (!into.includes(message)) into.push(message);
  }
  return into;
}

/** Whether the library error came from the network (refused, reset, timed out) rather than a broker answer. */
function isNetworkError(error: unknown): boolean {
  const text = JSON.stringify(leafMessages(error)) + String((error as LibraryErrorShape | null)?.code ?? "");
  return /PLT_KFK_NETWORK|PLT_KFK_TIMEOUT|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|timed out|Connection closed/i.test(text);
}

/** Map any error thrown by @platformatic/kafka to a KafkaConnectorError (idempotent on ours). */
export function toKafkaError(error: unknown, site: KafkaCallSite): KafkaConnectorError {
  if (error instanceof KafkaConnectorError) return error;
  const brokerError = brokerErrorOf(error);
  const detail = leafMessages(error).slice(0, 3).join("; ");
  const where = `Kafka at ${site.bootstrap}: ${site.operation} failed`;
  if (brokerError === "PRODUCER_FENCED" || brokerError === "INVALID_PRODUCER_EPOCH") {
    return new KafkaConnectorError(`${where}: the producer was fenced by a newer producer with the same transactional.id (${brokerError})`, { code: "KAFKA_PRODUCER_FENCED", domain: "external", retriable: true, cause: error, brokerError });
  }
  if (brokerError !== undefined) {
    const isUser = USER_BROKER_ERRORS.has(brokerError);
    return new KafkaConnectorError(`${where}: the broker answered ${brokerError} (${detail})`, {
      code: "KAFKA_BROKER_ERROR",
      domain: isUser ? "user" : "external",
      retriable: RETRIABLE_BROKER_ERRORS.has(brokerError),
      cause: error,
      brokerError,
    });
  }
  if (isNetworkError(error)) {
    return new KafkaConnectorError(`${where}: cannot reach the broker (${detail})`, { code: "KAFKA_NETWORK", domain: "external", retriable: true, cause: error });
  }
  return new KafkaConnectorError(`${where}: ${detail}`, { code: "KAFKA_BROKER_ERROR", domain: "external", retriable: true, cause: error });
}

/**
 * Run `call` bounded by `timeoutMs`: resolve with its value, reject with a KafkaConnectorError mapped
 * from its failure, or reject with KAFKA_TIMEOUT when the bound passes first. `onTimeout` runs then
 * (close the client whose retries are still going). The call itself is not cancelled: callers close
 * the library client so its retry loop stops.
 */
export async function withDeadline<T>(site: KafkaCallSite, timeoutMs: number, call: () => Promise<T>, onTimeout?: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new KafkaConnectorError(`Kafka at ${site.bootstrap}: ${site.operation} did not finish within ${timeoutMs} ms (broker unreachable or not answering)`, { code: "KAFKA_TIMEOUT", domain: "external", retriable: true }));
    }, timeoutMs);
  });
  try {
    return await Promise.race([call(), deadline]);
  } catch (error) {
    throw toKafkaError(error, site);
  } finally {
    clearTimeout(timer);
  }
}
