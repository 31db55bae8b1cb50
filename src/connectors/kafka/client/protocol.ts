/**
 * @module connectors/kafka/client/protocol
 * Raw Kafka protocol calls the client's public API does not offer: FindCoordinator for a
 * transactional.id, EndTxn with a stored producer id and epoch (resuming a transaction a crashed
 * process pre-committed), and InitProducerId for a transactional.id (fencing zombies).
 *
 * They go through @platformatic/kafka's exported low-level hooks on any client (`kGetConnection`
 * opens a pooled connection to a broker, `kGetApi` picks the highest API version both sides speak),
 * so TLS/SASL settings and version negotiation are the library's. The library speaks EndTxn <= v4
 * and Produce <= v11, so the broker runs its transactions with the transaction.version 1 protocol:
 * the epoch stays the same across the transactions of one producer session (the KIP-890 v2
 * protocol would bump it at every EndTxn, and resuming with a stored epoch would not work).
 */
import type { Admin, Callback, Connection } from "@platformatic/kafka";
import { brokerErrorOf, toKafkaError, type KafkaCallSite } from "./errors.ts";
import { loadedKafkaLibrary } from "./library.ts";

/** Coordinator answers worth retrying: it is loading, moved, or finishing the previous transaction. */
const RETRY_ON = new Set(["COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR", "CONCURRENT_TRANSACTIONS"]);
const RETRY_DELAY_MS = 100;

type ApiCall<Args extends unknown[], Response> = ((connection: Connection, ...args: [...Args, Callback<Response>]) => void) & { version: number };

function getApi<Args extends unknown[], Response>(client: Admin, name: string): Promise<ApiCall<Args, Response>> {
  const library = loadedKafkaLibrary();
  return new Promise((resolve, reject) => {
    client[library.kGetApi]<Args, Response>(name, (error, api) => (error || api === undefined ? reject(error ?? new Error(`no ${name} API`)) : resolve(api as unknown as ApiCall<Args, Response>)));
  });
}

function getConnection(client: Admin, host: string, port: number): Promise<Connection> {
  const library = loadedKafkaLibrary();
  return new Promise((resolve, reject) => {
    client[library.kGetConnection]({ host, port }, (error, connection) => (error || connection === undefined ? reject(error ?? new Error("no connection")) : resolve(connection)));
  });
}

function invoke<Args extends unknown[], Response>(api: ApiCall<Args, Response>, connection: Connection, args: Args): Promise<Response> {
  return new Promise((resolve, reject) => {
    api(connection, ...args, (error: Error | null, response?: Response) => (error ? reject(error) : resolve(response as Response)));
  });
}

/** A connection to the transaction coordinator of `transactionalId`. */
async function coordinatorConnection(client: Admin, transactionalId: string): Promise<Connection> {
  const { FindCoordinatorKeyTypes } = loadedKafkaLibrary();
  const [coordinator] = await client.findCoordinator({ keyType: FindCoordinatorKeyTypes.TRANSACTION, keys: [transactionalId] });
  if (coordinator === undefined) throw new Error(`no transaction coordinator for '${transactionalId}'`);
  return getConnection(client, coordinator.host, coordinator.port);
}

/**
 * Send one coordinator request, retrying the answers in RETRY_ON until `deadlineAt` (epoch ms). Other
 * broker answers are thrown as the library's error (with `apiId` = the protocol error name).
 */
async function coordinatorRequest<Args extends unknown[], Response>(client: Admin, transactionalId: string, apiName: string, args: Args, deadlineAt: number): Promise<Response> {
  const api = await getApi<Args, Response>(client, apiName);
  for (;;) {
    try {
      const connection = await coordinatorConnection(client, transactionalId);
      return await invoke(api, connection, args);
    } catch (error) {
      const answer = brokerErrorOf(error);
      if (answer === undefined || !RETRY_ON.has(answer) || Date.now() + RETRY_DELAY_MS >= deadlineAt) throw error;
      await Bun.sleep(RETRY_DELAY_MS);
    }
  }
}

/** A producer session of a transactional.id: what the broker knows the transaction by. */
export interface ProducerIdentity {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly epoch: number;
}

/** What EndTxn(commit) answered when resuming a pre-committed transaction. */
export type ResumeOutcome =
  /** The broker accepted the commit: the transaction is (now, or already was) committed. */
  | { readonly status: "committed" }
  /**
   * The broker refused: the producer id/epoch is no longer current or no transaction is open for it
   * (INVALID_TXN_STATE, PRODUCER_FENCED, INVALID_PRODUCER_EPOCH, INVALID_PRODUCER_ID_MAPPING). The
   * transaction was completed before (committed by an earlier attempt, or aborted by a newer
   * producer's fencing or by transaction.timeout.ms); nothing is left to commit.
   */
  | { readonly status: "not-pending"; readonly brokerError: string };

const NOT_PENDING = new Set(["INVALID_TXN_STATE", "PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH", "INVALID_PRODUCER_ID_MAPPING"]);

/**
 * EndTxn(commit = true) for `identity` (Flink's FlinkKafkaInternalProducer.resumeTransaction +
 * commitTransaction: set producer id and epoch, then commit). No AddPartitionsToTxn is needed: the
 * crashed producer added its partitions before it pre-committed.
 */
export async function endTransaction(client: Admin, site: KafkaCallSite, identity: ProducerIdentity, commit: boolean, deadlineAt: number): Promise<ResumeOutcome> {
  const { transactionalId, producerId, epoch } = identity;
  try {
    await coordinatorRequest<[string, bigint, number, boolean], unknown>(client, transactionalId, "EndTxn", [transactionalId, BigInt(producerId), epoch, commit], deadlineAt);
    return { status: "committed" };
  } catch (error) {
    const answer = brokerErrorOf(error);
    if (answer !== undefined && NOT_PENDING.has(answer)) return { status: "not-pending", brokerError: answer };
    throw toKafkaError(error, site);
  }
}

/**
 * InitProducerId for `transactionalId` with no expected id/epoch: the coordinator bumps the epoch,
 * which fences every older producer of the id, and aborts the transaction they left open (answering
 * CONCURRENT_TRANSACTIONS until the abort markers are written; retried here).
 */
export async function initProducerId(client: Admin, site: KafkaCallSite, transactionalId: string, transactionTimeoutMs: number, deadlineAt: number): Promise<ProducerIdentity> {
  try {
    const response = await coordinatorRequest<[string, number, bigint, number], { producerId: bigint; producerEpoch: number }>(
      client, transactionalId, "InitProducerId", [transactionalId, transactionTimeoutMs, -1n, -1], deadlineAt,
    );
    return { transactionalId, producerId: Number(response.producerId), epoch: response.producerEpoch };
  } catch (error) {
    throw toKafkaError(error, site);
  }
}

