/**
 * @module connectors/kafka/client/transactional-producer
 * The transactional producer of the exactly-once Kafka sink, and the two recovery calls its
 * two-phase commit needs: `resumeAndCommit` (commit a transaction a crashed process pre-committed)
 * and `fenceAndAbort` (fence every older producer of a transactional.id and abort what it left open).
 *
 * One transaction, as the TwoPhaseCommitSink drives it:
 *
 *   idle ──begin──► open ──send*, flush──► preCommit ──► precommitted ──commit──► idle
 *                    │                                        │
 *                    └────────────── abort ◄──────────────────┘
 *   any ──timeout / broker failure──► failed (close it; recover with resumeAndCommit / fenceAndAbort)
 *
 * Invariants and cases:
 * - The first `beginTransaction` of a producer sends InitProducerId for its transactional.id: the epoch
 *   is bumped, older producers of the id are fenced and their open transaction is aborted. Later
 *   transactions of the same producer reuse that producer id and epoch (transaction.version 1).
 * - `preCommit` returns {transactionalId, producerId, epoch}. Stored in a checkpoint, it lets ANY
 *   process commit the transaction with `resumeAndCommit`, which sends EndTxn(commit) with that id
 *   and epoch, like Flink's FlinkKafkaInternalProducer.resumeTransaction + commitTransaction.
 * - Committing twice is harmless: EndTxn(commit) for a transaction already committed with the same
 *   producer id and epoch is answered with no error by the broker (CompleteCommit state), and after
 *   the epoch moved on it answers PRODUCER_FENCED / INVALID_TXN_STATE, reported as "not-pending".
 * - Recovery order matters: `resumeAndCommit` the pre-committed transactions FIRST, then start new
 *   producers (or call `fenceAndAbort`): InitProducerId aborts an open transaction, pre-committed or not.
 * - One transactional.id has at most one open transaction, so a transaction pre-committed for
 *   checkpoint N and the one opened right after it need different ids (see `transactionalIdFor`).
 * - An empty transaction (no record sent) never reaches the broker: commit and abort are local, and
 *   resuming it later answers INVALID_TXN_STATE ("not-pending"), which is correct: nothing to commit.
 */
import type { Admin, Producer } from "@platformatic/kafka";

type Transaction = Awaited<ReturnType<Producer["beginTransaction"]>>;
import { InternalError } from "../../../core/index.ts";
import { KafkaConnectorError, withDeadline } from "./errors.ts";
import { kafkaLibrary } from "./library.ts";
import { describeBootstrap, resolveConnection, toLibraryOptions, type KafkaConnectionInput, type KafkaConnectionOptions } from "./options.ts";
import { endTransaction, initProducerId, type ProducerIdentity, type ResumeOutcome } from "./protocol.ts";
import { splitForSend, toLibraryMessage } from "./records.ts";
import type { KafkaOutputRecord } from "./types.ts";

export type { ProducerIdentity, ResumeOutcome };

/** What a checkpoint stores for a pre-committed transaction (plain JSON data). */
export type PreparedTransaction = ProducerIdentity;

/** transaction.timeout.ms default: the broker aborts a transaction left open this long. */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 300_000;

export interface TransactionalProducerOptions {
  /** The transactional.id (build it with `transactionalIdFor`). */
  readonly transactionalId: string;
  /** transaction.timeout.ms sent with InitProducerId; must be <= the broker's transaction.max.timeout.ms (15 min by default). */
  readonly transactionTimeoutMs?: number;
}

/**
 * The transactional.id of a sink subtask: `${prefix}-${operatorId}-${subtask}`, plus `-${slot}` when
 * a slot is given. Stable across restarts, so a restarted job fences its zombies. A sink that keeps
 * pre-committed transactions pending while it writes the next one (the 2PC sink between a barrier
 * and the checkpoint's completion) needs a slot per concurrently pending transaction (Flink's
 * KafkaSink uses the checkpoint id: `prefix-subtask-checkpointId`).
 *
 * @example
 * transactionalIdFor({ prefix: "orders-sink", operatorId: "op-3", subtask: 1 }); // "orders-sink-op-3-1"
 * transactionalIdFor({ prefix: "orders-sink", operatorId: "op-3", subtask: 1, slot: 7 }); // "orders-sink-op-3-1-7"
 */
export function transactionalIdFor(parts: { prefix: string; operatorId: string; subtask: number; slot?: number }): string {
  if (!Number.isInteger(parts.subtask) || parts.subtask < 0) throw new InternalError(`subtask index must be a non-negative integer, got ${parts.subtask}`);
  const base = `${parts.prefix}-${parts.operatorId}-${parts.subtask}`;
  return parts.slot === undefined ? base : `${base}-${parts.slot}`;
}

type TxnState = "idle" | "open" | "precommitted" | "failed" | "closed";
const TRANSITIONS: Readonly<Record<TxnState, readonly TxnState[]>> = {
  idle: ["open", "failed", "closed"],
  open: ["precommitted", "idle", "failed", "closed"],
  precommitted: ["idle", "failed", "closed"],
  failed: ["closed"],
  closed: [],
};

/**
 * A producer with one transactional.id, running one transaction at a time.
 *
 * @example
 * const producer = KafkaTransactionalProducer.create(connection, { transactionalId: "sink-op-1-0" });
 * await producer.beginTransaction();
 * producer.send([{ topic: "out", key: "k", value: "v" }]);
 * const prepared = await producer.preCommit(); // store in the checkpoint
 * await producer.commit();                     // on checkpoint complete
 * await producer.close();
 */
export class KafkaTransactionalProducer {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  private readonly options: KafkaConnectionOptions;
  private readonly bootstrap: string;
  /** The library client, built (and @platformatic/kafka loaded, see library.ts) by the first beginTransaction. */
  private producer: Producer | null = null;
  private producerLoading: Promise<Producer> | null = null;
  private state: TxnState = "idle";
  private transaction: Transaction | null = null;
  /** Sends run one after another: the library's per-transaction partition bookkeeping is not safe for concurrent sends. */
  private chain: Promise<void> = Promise.resolve();
  private sendError: unknown = null;
  private recordsInTransaction = 0;

  private constructor(options: KafkaConnectionOptions, producerOptions: TransactionalProducerOptions) {
    this.options = options;
    this.bootstrap = describeBootstrap(options);
    this.transactionalId = producerOptions.transactionalId;
    this.transactionTimeoutMs = producerOptions.transactionTimeoutMs ?? DEFAULT_TRANSACTION_TIMEOUT_MS;
  }

  private libraryProducer(): Promise<Producer> {
    this.producerLoading ??= kafkaLibrary().then(
      ({ Producer }) => {
        // The library sends `timeout` as transaction.timeout.ms in InitProducerId (and as the Produce timeout).
        this.producer = new Producer({ ...toLibraryOptions(this.options, `txn-${this.transactionalId}`), idempotent: true, transactionalId: this.transactionalId, timeout: this.transactionTimeoutMs });
        return this.producer;
      },
      (error: unknown) => {
        this.producerLoading = null;
        throw error;
      },
    );
    return this.producerLoading;
  }

  static create(connection: KafkaConnectionOptions | KafkaConnectionInput, options: TransactionalProducerOptions): KafkaTransactionalProducer {
    if (options.transactionalId.length === 0) throw new KafkaConnectorError("a transactional producer needs a non-empty transactional.id", { code: "KAFKA_CONFIG_INVALID", domain: "user" });
    if (options.transactionTimeoutMs !== undefined && (!Number.isInteger(options.transactionTimeoutMs) || options.transactionTimeoutMs <= 0)) {
      throw new KafkaConnectorError(`transactionTimeoutMs must be a positive whole number of milliseconds, got ${options.transactionTimeoutMs}`, { code: "KAFKA_CONFIG_INVALID", domain: "user" });
    }
    return new KafkaTransactionalProducer(resolveConnection(connection), options);
  }

  /** The producer id and epoch of the current session (after the first beginTransaction). */
  get identity(): ProducerIdentity | null {
    const producerId = this.producer?.producerId;
    const epoch = this.producer?.producerEpoch;
    return producerId === undefined || epoch === undefined ? null : { transactionalId: this.transactionalId, producerId: Number(producerId), epoch };
  }

  get currentState(): TxnState {
    return this.state;
  }

  /** Start a transaction (the first one also fences older producers of the transactional.id). */
  async beginTransaction(): Promise<void> {
    this.expect(["idle"], "beginTransaction");
    let producer = this.producer;
    if (producer === null) {
      producer = await this.libraryProducer();
      this.expect(["idle"], "beginTransaction"); // closed while the library loaded
    }
    // producerId/epoch -1: "no expected session" (the library would otherwise send 0/0, which the
    // broker answers with PRODUCER_FENCED once the id belongs to another producer id).
    this.transaction = await this.call("beginTransaction", () => producer.beginTransaction({ producerId: -1n, producerEpoch: -1 }));
    this.recordsInTransaction = 0;
    this.sendError = null;
    this.moveTo("open");
  }

  /**
   * Queue records into the open transaction. The promise settles when the broker acknowledged them;
   * callers may skip awaiting it and `flush` (or `preCommit`) later: a failed send fails the flush.
   */
  send(records: readonly KafkaOutputRecord[]): Promise<void> {
    this.expect(["open"], "send");
    if (records.length === 0) return Promise.resolve();
    const chunks = splitForSend(records);
    // One request per chunk (the broker refuses batches over message.max.bytes), chained in order.
    if (chunks.length > 1) return Promise.all(chunks.map((chunk) => this.send(chunk))).then(() => undefined);
    const transaction = this.transaction!;
    const messages = records.map(toLibraryMessage);
    this.recordsInTransaction += records.length;
    const sent = this.chain.then(async () => {
      if (this.sendError !== null) throw this.sendError;
      await this.call(`send of ${records.length} record(s) in transaction '${this.transactionalId}'`, () => transaction.send({ messages }));
    });
    this.chain = sent.catch((error: unknown) => {
      this.sendError ??= error;
    });
    return sent;
  }

  /** Wait until every queued record is acknowledged; rethrows the first failed send. */
  async flush(): Promise<void> {
    await this.chain;
    if (this.sendError !== null) {
      this.fail();
      throw this.sendError;
    }
  }

  /** Flush and return what a checkpoint needs to commit this transaction from any process. */
  async preCommit(): Promise<PreparedTransaction> {
    this.expect(["open"], "preCommit");
    await this.flush();
    const identity = this.identity;
    if (identity === null) throw new InternalError(`transactional producer '${this.transactionalId}' has no producer id after beginTransaction`);
    this.moveTo("precommitted");
    return identity;
  }

  /** Commit the open or pre-committed transaction (EndTxn commit). */
  async commit(): Promise<void> {
    this.expect(["open", "precommitted"], "commit");
    await this.flush();
    await this.end(true);
  }

  /** Abort the open or pre-committed transaction (EndTxn abort); queued sends are awaited first. */
  async abort(): Promise<void> {
    this.expect(["open", "precommitted"], "abort");
    await this.chain;
    await this.end(false);
  }

  /** Close the client. An open transaction is left to the broker's timeout or the next fencing. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    // Closed while the library loaded for the first beginTransaction: close the client it builds.
    const producer = this.producer ?? (await this.producerLoading?.catch(() => null));
    await producer?.close(true).catch(() => undefined);
  }

  private async end(commit: boolean): Promise<void> {
    const transaction = this.transaction!;
    const operation = `${commit ? "commit" : "abort"} of transaction '${this.transactionalId}'`;
    if (this.recordsInTransaction === 0) {
      // Nothing was added to the transaction on the broker: EndTxn would answer INVALID_TXN_STATE.
      await this.call(operation, () => transaction.cancel());
    } else {
      await this.call(operation, () => (commit ? transaction.commit() : transaction.abort()));
    }
    this.transaction = null;
    this.moveTo("idle");
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline({ bootstrap: this.bootstrap, operation }, this.options.operationTimeoutMs, run);
    } catch (error) {
      this.fail();
      throw error;
    }
  }

  /** A failed producer keeps failing: its session state is unknown; close it and recover. */
  private fail(): void {
    if (this.state !== "closed" && this.state !== "failed") {
      this.state = "failed";
      void this.producer?.close(true).catch(() => undefined);
    }
  }

  private expect(states: readonly TxnState[], call: string): void {
    if (states.includes(this.state)) return;
    if (this.state === "failed") throw new KafkaConnectorError(`Kafka at ${this.bootstrap}: ${call} on transactional producer '${this.transactionalId}' after it failed; close it and recover`, { code: "KAFKA_TRANSACTION_STATE", domain: "external", retriable: true });
    throw new InternalError(`transactional producer '${this.transactionalId}': ${call} while ${this.state}`);
  }

  private moveTo(next: TxnState): void {
    if (!TRANSITIONS[this.state].includes(next)) throw new InternalError(`transactional producer '${this.transactionalId}': illegal transition ${this.state} -> ${next}`);
    this.state = next;
  }
}

/** Run `work` with a short-lived admin-type client for raw protocol calls, bounded by operationTimeoutMs. */
async function withProtocolClient<T>(connection: KafkaConnectionOptions | KafkaConnectionInput, operation: string, work: (client: Admin, site: { bootstrap: string; operation: string }, deadlineAt: number) => Promise<T>): Promise<T> {
  const options = resolveConnection(connection);
  const site = { bootstrap: describeBootstrap(options), operation };
  const library = await kafkaLibrary();
  const client = new library.Admin(toLibraryOptions(options, "txn-recovery"));
  const deadlineAt = Date.now() + options.operationTimeoutMs;
  try {
    return await withDeadline(site, options.operationTimeoutMs, () => work(client, site, deadlineAt));
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * Commit a transaction pre-committed by another (possibly crashed) producer: EndTxn(commit = true) to
 * the transaction coordinator with the stored producer id and epoch. Idempotent: "committed" when the
 * broker accepted the commit (also when it was committed already with this epoch), "not-pending" when
 * the broker says that producer session has no transaction to commit any more (completed before, see
 * ResumeOutcome). Network failures and timeouts throw KafkaConnectorError (retriable).
 *
 * @example
 * const outcome = await resumeAndCommit(connection, prepared); // prepared: from preCommit, via a checkpoint
 * if (outcome.status === "not-pending") log.warn(`nothing to commit: ${outcome.brokerError}`);
 */
export function resumeAndCommit(connection: KafkaConnectionOptions | KafkaConnectionInput, prepared: PreparedTransaction): Promise<ResumeOutcome> {
  return withProtocolClient(connection, `resumeAndCommit of transaction '${prepared.transactionalId}' (producer id ${prepared.producerId}, epoch ${prepared.epoch})`, (client, site, deadlineAt) =>
    endTransaction(client, site, prepared, true, deadlineAt),
  );
}

/**
 * Fence every producer of `transactionalId` and abort the transaction it left open (InitProducerId
 * with the id: the epoch is bumped). Returns the new session's id and epoch, which nobody uses; a
 * producer created afterwards starts its own session. Call only after pending pre-committed
 * transactions of this id were resumed and committed: their data would be aborted otherwise.
 */
export function fenceAndAbort(connection: KafkaConnectionOptions | KafkaConnectionInput, transactionalId: string, transactionTimeoutMs = DEFAULT_TRANSACTION_TIMEOUT_MS): Promise<ProducerIdentity> {
  return withProtocolClient(connection, `fenceAndAbort of transactional.id '${transactionalId}'`, (client, site, deadlineAt) =>
    initProducerId(client, site, transactionalId, transactionTimeoutMs, deadlineAt),
  );
}
