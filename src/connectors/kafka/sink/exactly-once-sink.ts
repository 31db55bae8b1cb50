/**
 * @module connectors/kafka/sink/exactly-once-sink
 * KafkaExactlyOnceSink: Kafka transactions tied to checkpoints through TwoPhaseCommitSink (Flink's
 * KafkaSink with DeliveryGuarantee.EXACTLY_ONCE). One Kafka transaction per checkpoint period and
 * subtask, each with its own transactional.id and its own producer.
 *
 * Transactional ids (deterministic, so a restarted job finds what an earlier attempt left open):
 *
 *   `${prefix}-${operatorId}-${subtask}-${slot}`        (client transactionalIdFor)
 *
 *   slot s is used by at most one broker transaction of one attempt. A txn takes the sink's next slot
 *   at begin; the slot counter moves past it only when the txn sends its first record, so an empty
 *   txn leaves no trace on the broker (no producer, no InitProducerId) and the next txn reuses it.
 *   Hence the INVARIANT: the slots one attempt initialised on the broker are contiguous, starting at
 *   the open slot of the state it restored (0 at a fresh start).
 *
 *   why not one id per subtask: the base begins txn N+1 at the barrier of N while txn N waits
 *   pre-committed for the checkpoint to complete, and one transactional.id holds one transaction.
 *
 * Life of txn in slot s:
 *
 *   begin(s) ──first write──► new producer, InitProducerId(id_s) [fences older holders of id_s],
 *      │                      send, send, ...
 *      └─empty: nothing on the broker        preCommit: flush, store {id_s, producerId, epoch}
 *                                            notify(N): EndTxn(commit) via the live producer, close it
 *
 * Recovery (TwoPhaseCommitSink.open on restore, in this order):
 *   1. recoverAndCommit: every txn pending in the restored checkpoint is committed with
 *      `resumeAndCommit` (EndTxn with the stored producer id and epoch), BEFORE any InitProducerId of
 *      this attempt could abort it. "not-pending" (already committed, or aborted by the broker's
 *      transaction timeout) is logged as a warning: the former is the normal crash-after-commit case,
 *      the latter means data loss the timeout rules out when sized as the README says.
 *   2. recoverAndAbort of the open txn: nothing here; step 3 covers its slot.
 *   3. initializeSink: abort lingering transactions (Flink's TransactionAborter). For every restored
 *      subtask state this subtask owns, and for its own index, InitProducerId (fenceAndAbort) on slot
 *      s0 = the restored open slot (0 without state), s0+1, s0+2, ... until an id answers epoch 0,
 *      i.e. was never initialised before. By the invariant above, no attempt used a slot beyond the
 *      first never-initialised one, so this catches every transaction newer than the checkpoint: the
 *      open one, ones pre-committed for checkpoints that never completed, and zombies of a process
 *      still running. How many: one more than the slots used after the checkpoint (each failed
 *      attempt adds its own; a probe itself initialises the id, so a later probe goes one further).
 *   4. new transactions begin at slot s0 (their InitProducerId fences again, harmlessly).
 *
 * Test hooks (fns.testHooks, never set by users): `commit(phase, txn)` runs before ("before") and
 * after ("after") the live commit; throwing there simulates a crash between checkpoint completion
 * and commit, and a commit whose answer was lost.
 */
import { log } from "../../../core/index.ts";
import type { OperatorContext, TaskLocation } from "../../../core/index.ts";
import type { MaybePromise } from "../../common/maybe-async.ts";
import { TwoPhaseCommitSink, type SinkInitContext } from "../../common/two-phase-commit-sink.ts";
import { fenceAndAbort, KafkaConnectorError, KafkaTransactionalProducer, resumeAndCommit, transactionalIdFor, type KafkaOutputRecord } from "../client/index.ts";
import type { KafkaSinkOptions } from "./options.ts";

/** One transaction, as stored in checkpoints (plain data). producerId/epoch are -1 until pre-commit. */
export interface KafkaTransaction {
  readonly slot: number;
  readonly transactionalId: string;
  producerId: number;
  epoch: number;
  records: number;
}

export interface KafkaSinkTestHooks {
  commit?(phase: "before" | "after", txn: KafkaTransaction): void;
}

/** A probe of lingering ids this long is a bug (or a prefix shared with another job): fail loudly. */
const MAX_PROBED_SLOTS = 10_000;

/**
 * A live transaction: its producer and the records not sent yet. `write` is synchronous and sends
 * are not: records gather in `buffer` and one pump sends them, everything buffered as one request
 * each round, so a slow round trip makes requests bigger instead of queueing many small ones.
 */
interface LiveTxn {
  readonly producer: KafkaTransactionalProducer;
  /** InitProducerId + begin. */
  readonly ready: Promise<void>;
  readonly buffer: KafkaOutputRecord[];
  pumping: Promise<void> | null;
  error: unknown;
  /** Set by close: send nothing more. */
  stopped: boolean;
}

/** Records buffered for the broker past which the sink holds the task's input back (backpressure). */
export const MAX_BUFFERED_RECORDS = 20_000;

function pump(live: LiveTxn): void {
  if (live.pumping !== null) return;
  live.pumping = (async () => {
    try {
      await live.ready;
      while (live.buffer.length > 0 && live.error === null && !live.stopped) await live.producer.send(live.buffer.splice(0));
    } catch (error) {
      live.error ??= error;
    } finally {
      live.pumping = null;
    }
  })();
}

/** Wait until the txn's calls in flight (begin, the current send) settled, whatever their outcome. */
async function settle(live: LiveTxn): Promise<void> {
  await live.ready.catch(() => undefined);
  while (live.pumping !== null) await live.pumping;
}

/** Wait until every buffered record is acknowledged; rethrow the first failure. */
async function drain(live: LiveTxn): Promise<void> {
  while (live.pumping !== null) await live.pumping;
  if (live.error !== null) throw live.error;
  await live.ready;
}

/**
 * Exactly-once Kafka sink; usually created by `stream.sinkToKafka({ delivery: "exactly-once", ... })`
 * (plan node `sink:kafka`). Read its output with isolation read_committed.
 *
 * @example
 * const options = parseKafkaSinkOptions({ connection: { bootstrapServers: "127.0.0.1:9092" }, topic: "out", delivery: "exactly-once" });
 * const sink = new KafkaExactlyOnceSink<string>(options, "my-job", (v) => ({ topic: "out", value: v }));
 */
export class KafkaExactlyOnceSink<T> extends TwoPhaseCommitSink<T, KafkaTransaction> {
  private readonly live = new Map<string, LiveTxn>();
  private prefix = "";
  private subtask = 0;
  private nextSlot = 0;

  constructor(
    private readonly options: KafkaSinkOptions,
    /** Prefix when options.transactionalIdPrefix is unset (the factory passes `bicycle-<topic>`). */
    private readonly defaultPrefix: string,
    private readonly toRecord: (value: T) => KafkaOutputRecord,
    private readonly hooks: KafkaSinkTestHooks = {},
  ) {
    super();
  }

  private idFor(subtask: number, slot: number, location: TaskLocation): string {
    return transactionalIdFor({ prefix: this.prefix, operatorId: location.operatorId, subtask, slot });
  }

  protected override async initializeSink(ctx: SinkInitContext<KafkaTransaction>): Promise<void> {
    this.prefix = this.options.transactionalIdPrefix ?? this.defaultPrefix;
    this.subtask = ctx.location.subtaskIndex;
    // Step 3 of the recovery order: abort what lingers after the restored checkpoint.
    const starts = new Map<number, number>([[this.subtask, 0]]);
    for (const r of ctx.recovered) {
      const start = r.open?.slot ?? Math.max(-1, ...r.pending.map((t) => t.slot)) + 1;
      starts.set(r.subtask, start);
    }
    for (const [subtask, start] of starts) {
      let slot = start;
      for (;;) {
        if (slot - start > MAX_PROBED_SLOTS) {
          throw new KafkaConnectorError(`Kafka sink: more than ${MAX_PROBED_SLOTS} initialised transactional ids after '${this.idFor(subtask, start, ctx.location)}'; is the prefix '${this.prefix}' shared with another job?`, { code: "KAFKA_TRANSACTION_STATE", domain: "user" });
        }
        const id = this.idFor(subtask, slot, ctx.location);
        const fenced = await fenceAndAbort(this.options.connection, id, this.options.transactionTimeoutMs);
        if (fenced.epoch === 0) break;
        log.debug(`Kafka sink: fenced lingering transactional id '${id}' (now epoch ${fenced.epoch})`);
        slot++;
      }
    }
    this.nextSlot = starts.get(this.subtask)!;
  }

  protected beginTransaction(): KafkaTransaction {
    const location = this.requireLocation();
    return { slot: this.nextSlot, transactionalId: this.idFor(this.subtask, this.nextSlot, location), producerId: -1, epoch: -1, records: 0 };
  }

  protected write(txn: KafkaTransaction, values: readonly T[]): void | Promise<void> {
    if (values.length === 0) return;
    const records = values.map(this.toRecord);
    let live = this.live.get(txn.transactionalId);
    if (live === undefined) {
      // First record: the slot is used from now on; the next txn takes the next one.
      this.nextSlot = txn.slot + 1;
      const producer = KafkaTransactionalProducer.create(this.options.connection, { transactionalId: txn.transactionalId, transactionTimeoutMs: this.options.transactionTimeoutMs });
      const ready = producer.beginTransaction();
      ready.catch(() => undefined); // surfaces through the pump and drain
      live = { producer, ready, buffer: [], pumping: null, error: null, stopped: false };
      this.live.set(txn.transactionalId, live);
    }
    txn.records += records.length;
    for (const r of records) live.buffer.push(r);
    pump(live);
    // Backpressure: past MAX_BUFFERED_RECORDS the task waits until the buffer went out.
    if (live.buffer.length >= MAX_BUFFERED_RECORDS && live.pumping !== null) return live.pumping;
  }

  protected async preCommit(txn: KafkaTransaction): Promise<void> {
    const live = this.live.get(txn.transactionalId);
    if (live === undefined) return; // empty: nothing on the broker
    await drain(live);
    if (live.error !== null) throw live.error;
    const prepared = await live.producer.preCommit();
    txn.producerId = prepared.producerId;
    txn.epoch = prepared.epoch;
  }

  protected async commit(txn: KafkaTransaction): Promise<void> {
    if (txn.records === 0) return;
    this.hooks.commit?.("before", txn);
    const live = this.live.get(txn.transactionalId);
    if (live !== undefined) {
      await live.producer.commit();
      this.live.delete(txn.transactionalId);
      await live.producer.close();
    } else {
      await this.recoverAndCommit(txn);
    }
    this.hooks.commit?.("after", txn);
  }

  /** Step 1 of the recovery order: EndTxn(commit) with the stored producer id and epoch. */
  protected override async recoverAndCommit(txn: KafkaTransaction): Promise<void> {
    if (txn.records === 0) return;
    const outcome = await resumeAndCommit(this.options.connection, { transactionalId: txn.transactionalId, producerId: txn.producerId, epoch: txn.epoch });
    if (outcome.status === "not-pending") {
      log.warn(`Kafka sink: transaction '${txn.transactionalId}' (producer id ${txn.producerId}, epoch ${txn.epoch}, ${txn.records} records) had nothing to commit on recovery (${outcome.brokerError}): committed before the failure, or aborted by transaction.timeout.ms (${this.options.transactionTimeoutMs} ms)`);
    }
  }

  /** The open txn of the restored state: its slot is fenced by initializeSink (step 3). */
  protected override recoverAndAbort(): void {}

  protected async abort(txn: KafkaTransaction): Promise<void> {
    const live = this.live.get(txn.transactionalId);
    if (live === undefined) return;
    this.live.delete(txn.transactionalId);
    try {
      await drain(live).catch(() => undefined);
      if (live.producer.currentState === "open" || live.producer.currentState === "precommitted") await live.producer.abort();
    } catch (error) {
      // The restarted job fences this id (or the broker's timeout aborts it): nothing is lost.
      log.warn(`Kafka sink: abort of transaction '${txn.transactionalId}' failed; it is fenced on restart or times out: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await live.producer.close();
    }
  }

  /**
   * Close: stop the pumps and wait until this subtask's network calls settled (an InitProducerId
   * still in flight would otherwise land after the restarted attempt probed its slot, opening a
   * transaction nobody aborts), abort the open txn (base), then close the producers of pre-committed
   * txns WITHOUT ending them: the restored job commits those (recovery step 1).
   */
  override async close(): Promise<void> {
    for (const live of this.live.values()) live.stopped = true;
    await Promise.all([...this.live.values()].map((l) => settle(l)));
    try {
      await super.close();
    } finally {
      const rest = [...this.live.values()];
      this.live.clear();
      await Promise.all(rest.map((l) => l.producer.close()));
    }
  }

  private sinkLocation: TaskLocation | null = null;
  override open(ctx: OperatorContext): MaybePromise<void> {
    this.sinkLocation = ctx.location;
    return super.open(ctx);
  }
  private requireLocation(): TaskLocation {
    return this.sinkLocation!;
  }
}
