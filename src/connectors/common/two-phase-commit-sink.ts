/**
 * @module connectors/common/two-phase-commit-sink
 * TwoPhaseCommitSink<T, Txn>: the base of exactly-once sinks (Flink's TwoPhaseCommitSinkFunction).
 * Subclasses say how to begin, write, pre-commit, commit and abort one transaction; this class owns
 * the protocol that ties transactions to checkpoints.
 *
 * Protocol (one subtask; "txn k" collects the records between checkpoints k-1 and k):
 *
 *   open ──► recover restored state ──► begin txn ──► write ... write
 *                                           ▲                  │ barrier of checkpoint N
 *                                           │                  ▼
 *                                           │   snapshotState(N): preCommit(txn); pending[N] = txn;
 *                                           └── begin next txn; state = { pending, open: next txn }
 *
 *   notifyCheckpointComplete(N): commit every pending txn with id <= N, in id order, then drop it.
 *   endInput (bounded input):    commit what is pending, then preCommit + commit the open txn.
 *   close without endInput:      abort the open txn only; pending txns stay for recovery.
 *   restore (before open):       recoverAndCommit every pending txn of the restored state,
 *                                recoverAndAbort the txn that was open at that checkpoint.
 *
 * Invariants:
 * - A txn is committed only after a checkpoint containing its pre-commit completed (or at end of
 *   input, see below), so every committed record is covered by the state the job restarts from.
 * - preCommit makes a txn durable (flushed, fsynced) but invisible; commit makes it visible and must
 *   be idempotent: recovery may commit a txn that was already committed.
 * - The open txn at checkpoint N holds only records after N: the restored job replays them, so it is
 *   aborted on restore, never committed.
 *
 * Crash windows:
 * - After preCommit(N), before notify(N): the checkpoint may or may not have completed. If it did, the
 *   restored state lists the txn as pending and recovery commits it; if it did not, the job restarts
 *   from N-1, whose state lists that txn as the open one, so it is aborted and its records replayed.
 * - After commit, before the next checkpoint: the job restarts from N, whose state still lists the txn
 *   as pending; recoverAndCommit finds it committed and does nothing (idempotence).
 * - Between "checkpoint N complete" (its metadata persisted) and the commit (notify lost, or the
 *   commit failed half-way): the restored state is N's, recovery commits what notify did not.
 * - End of input: this runtime takes no checkpoint once a task has finished (no final checkpoint,
 *   Flink before FLIP-147), so endInput commits at once. If another task then fails before the job
 *   finishes, the restart replays from the last checkpoint and the records this subtask committed at
 *   its end are committed again: the end of a bounded job is at-least-once. (Not the case when every
 *   input of the sink ends only after all upstream work ended, e.g. behind a keyBy of a bounded job.)
 *
 * Async: beginTransaction, preCommit, commit, abort, recoverAndCommit/Abort and initializeSink may
 * return a Promise (a Kafka transaction flushing or committing over the network); the base then
 * returns a Promise from open / snapshotState / notifyCheckpointComplete / endInput / close, and the
 * task takes no further input until it settled (core/operator.ts), so the protocol order holds. Steps
 * stay synchronous as long as the subclass's are (the file sink), without a Promise per call. `write`
 * buffers synchronously (a returned Promise only holds the next input back while the client's buffer is
 * full), and its errors surface at preCommit.
 *
 * Rescaling: restoreState receives the states of every subtask of the previous run. Each state is
 * recovered by exactly one new subtask, `oldSubtask % newParallelism`, which commits its pending txns
 * and aborts its open one; so a changed parallelism neither loses a commit nor runs one twice at the
 * same time (and commit is idempotent anyway). The new subtask's own state starts empty.
 */
import { InternalError, type Operator, type OperatorContext, type Output, type RecordBatch, type TaskLocation } from "../../core/index.ts";
import { ConnectorError } from "./connector-error.ts";
import { andThen, forEachInOrder, mapFailure, type MaybePromise } from "./maybe-async.ts";

/** What the base stores as operator state, per subtask. Txns are in their serialized form. */
export interface TwoPhaseCommitState {
  readonly version: 1;
  /** The subtask that wrote this state. */
  readonly subtask: number;
  readonly checkpointId: number;
  /** Pre-committed txns waiting for their checkpoint's completion, in checkpoint order. */
  readonly pending: readonly { readonly checkpointId: number; readonly txn: unknown }[];
  /** The txn begun right after this snapshot; aborted on restore. */
  readonly open: unknown;
}

/** The restored state of one previous subtask, as recovered by this subtask. */
export interface RecoveredSubtask<Txn> {
  readonly subtask: number;
  readonly pending: readonly Txn[];
  readonly open: Txn | null;
}

/** Handed to `initializeSink`, after recovery and before the first transaction. */
export interface SinkInitContext<Txn> {
  readonly location: TaskLocation;
  /** Whether the job started from a checkpoint or savepoint holding this operator's state. */
  readonly isRestored: boolean;
  /** The previous subtasks whose state this subtask recovered (see "Rescaling" above). */
  readonly recovered: readonly RecoveredSubtask<Txn>[];
}

/** Lifecycle of the sink operator; one transition table, illegal moves are internal errors. */
type SinkPhase = "created" | "running" | "finished" | "closed";
const TRANSITIONS: Readonly<Record<SinkPhase, readonly SinkPhase[]>> = {
  created: ["running", "closed"],
  running: ["finished", "closed"],
  finished: ["closed"],
  closed: [],
};

/**
 * Base of exactly-once sinks. Implement the transaction hooks; the base calls them per the protocol
 * in the module comment. `Txn` must be plain data (it is stored in checkpoints as JSON); keep live
 * handles (file descriptors, clients) in the subclass, keyed by something in the txn.
 *
 * @example
 * class ListSink extends TwoPhaseCommitSink<string, { id: number; rows: string[] }> {
 *   private next = 0;
 *   readonly committed: string[] = [];
 *   protected beginTransaction() { return { id: this.next++, rows: [] }; }
 *   protected write(txn: { rows: string[] }, values: readonly string[]) { txn.rows.push(...values); }
 *   protected preCommit() {}
 *   protected commit(txn: { rows: string[] }) { this.committed.push(...txn.rows); } // not idempotent: a demo
 *   protected abort() {}
 * }
 */
export abstract class TwoPhaseCommitSink<T, Txn> implements Operator<T, never> {
  private phase: SinkPhase = "created";
  private current: Txn | null = null;
  /** Pre-committed txns by checkpoint id; insertion order is checkpoint order. */
  private readonly pending = new Map<number, Txn>();
  private restored: readonly unknown[] = [];
  private lastCheckpointId = 0;
  private location: TaskLocation | null = null;

  /**
   * Start a transaction. `afterCheckpointId` is the last checkpoint this subtask took or restored
   * from before it (0 at a fresh start): the txn collects the records after that checkpoint.
   */
  protected abstract beginTransaction(afterCheckpointId: number): MaybePromise<Txn>;
  /**
   * Add the records of one batch (in order) to `txn`. Synchronous; it may return a Promise to hold the
   * task's next input back until the sink's buffer drained (backpressure), never to finish this write.
   */
  protected abstract write(txn: Txn, values: readonly T[]): MaybePromise<void>;
  /** Make `txn` durable but not visible (flush, fsync, close); no writes follow. */
  protected abstract preCommit(txn: Txn): MaybePromise<void>;
  /** Make a pre-committed `txn` visible. Must be idempotent. */
  protected abstract commit(txn: Txn): MaybePromise<void>;
  /** Discard `txn` (open or pre-committed); must tolerate a txn that left nothing behind. */
  protected abstract abort(txn: Txn): MaybePromise<void>;

  /** Commit a txn restored from a checkpoint; it may have been committed already. */
  protected recoverAndCommit(txn: Txn): MaybePromise<void> {
    return this.commit(txn);
  }
  /** Abort a txn restored from a checkpoint (the one open at that checkpoint). */
  protected recoverAndAbort(txn: Txn): MaybePromise<void> {
    return this.abort(txn);
  }
  /** Txn -> plain data for the checkpoint. The default copies through JSON, which also detaches it. */
  protected serializeTransaction(txn: Txn): unknown {
    return JSON.parse(JSON.stringify(txn)) as unknown;
  }
  protected deserializeTransaction(data: unknown): Txn {
    return data as Txn;
  }
  /** After recovery, before the first transaction begins (clean up leftovers, pick names). */
  protected initializeSink(_context: SinkInitContext<Txn>): MaybePromise<void> {}

  restoreState(states: readonly unknown[], _location: TaskLocation): void {
    this.expectPhase("created", "restoreState");
    this.restored = states;
  }

  open(ctx: OperatorContext): MaybePromise<void> {
    this.location = ctx.location;
    return andThen(this.recover(ctx.location), (recovered) =>
      andThen(this.initializeSink({ location: ctx.location, isRestored: this.restored.length > 0, recovered }), () => {
        this.restored = [];
        return andThen(this.beginTransaction(this.lastCheckpointId), (txn) => {
          this.current = txn;
          this.moveTo("running");
        });
      }),
    );
  }

  processBatch(batch: RecordBatch<T>, _out: Output<never>): MaybePromise<void> {
    return this.write(this.openTxn("processBatch"), batch.values);
  }

  snapshotState(checkpointId: number): MaybePromise<TwoPhaseCommitState> {
    const txn = this.openTxn("snapshotState");
    return andThen(this.preCommit(txn), () => {
      this.pending.set(checkpointId, txn);
      this.lastCheckpointId = checkpointId;
      return andThen(this.beginTransaction(checkpointId), (next) => {
        this.current = next;
        return {
          version: 1 as const,
          subtask: this.location!.subtaskIndex,
          checkpointId,
          pending: [...this.pending].map(([id, t]) => ({ checkpointId: id, txn: this.serializeTransaction(t) })),
          open: this.serializeTransaction(next),
        };
      });
    });
  }

  notifyCheckpointComplete(checkpointId: number): MaybePromise<void> {
    // After endInput everything is committed already; a late notification has nothing to do.
    if (this.phase !== "running") return;
    return this.commitPendingUpTo(checkpointId);
  }

  endInput(_out: Output<never>): MaybePromise<void> {
    const txn = this.openTxn("endInput");
    return andThen(this.commitPendingUpTo(Number.POSITIVE_INFINITY), () =>
      andThen(this.preCommit(txn), () =>
        andThen(this.commitOne(txn, "end of input"), () => {
          this.current = null;
          this.moveTo("finished");
        }),
      ),
    );
  }

  close(): MaybePromise<void> {
    if (this.phase === "closed") return;
    const txn = this.current;
    this.current = null;
    this.moveTo("closed");
    // Cancelled or failed: only the open txn goes; pending ones are in a checkpoint and get committed
    // (or not, if that checkpoint never completes) by the restored job.
    if (txn !== null) return this.abort(txn);
  }

  /** Commit-then-drop each pending txn up to `checkpointId`, so a failure leaves the rest pending. */
  private commitPendingUpTo(checkpointId: number): MaybePromise<void> {
    const due = [...this.pending].filter(([id]) => id <= checkpointId);
    return forEachInOrder(due, ([id, txn]) => andThen(this.commitOne(txn, `checkpoint ${id}`), () => void this.pending.delete(id)));
  }

  private commitOne(txn: Txn, what: string): MaybePromise<void> {
    return mapFailure(
      () => this.commit(txn),
      (error) => new ConnectorError(`${this.describe()}: commit of the transaction of ${what} failed; the restarted job commits it again`, { cause: error }),
    );
  }

  /** Recover the restored states this subtask owns: commit their pending txns, then abort the open ones. */
  private recover(location: TaskLocation): MaybePromise<RecoveredSubtask<Txn>[]> {
    const owned: RecoveredSubtask<Txn>[] = [];
    const commits: { checkpointId: number; txn: Txn }[] = [];
    for (const raw of this.restored) {
      if (raw === undefined || raw === null) continue;
      const state = this.parseState(raw);
      this.lastCheckpointId = Math.max(this.lastCheckpointId, state.checkpointId);
      if (state.subtask % location.parallelism !== location.subtaskIndex) continue;
      const pending = state.pending.map((p) => ({ checkpointId: p.checkpointId, txn: this.deserializeTransaction(p.txn) }));
      commits.push(...pending);
      owned.push({ subtask: state.subtask, pending: pending.map((p) => p.txn), open: state.open === null ? null : this.deserializeTransaction(state.open) });
    }
    commits.sort((a, b) => a.checkpointId - b.checkpointId);
    const committed = forEachInOrder(commits, ({ checkpointId, txn }) =>
      mapFailure(
        () => this.recoverAndCommit(txn),
        (error) => new ConnectorError(`${this.describe(location)}: recovering the commit of checkpoint ${checkpointId} failed`, { cause: error }),
      ),
    );
    return andThen(committed, () =>
      andThen(
        forEachInOrder(owned, (r) => (r.open === null ? undefined : this.recoverAndAbort(r.open))),
        () => owned,
      ),
    );
  }

  private parseState(raw: unknown): TwoPhaseCommitState {
    const s = raw as Partial<TwoPhaseCommitState>;
    if (typeof raw !== "object" || s.version !== 1 || typeof s.subtask !== "number" || !Array.isArray(s.pending)) {
      throw new ConnectorError(`${this.describe()}: the restored state is not a two-phase-commit sink state (version 1)`, { code: "STATE_INCOMPATIBLE", retriable: false });
    }
    return s as TwoPhaseCommitState;
  }

  private openTxn(call: string): Txn {
    if (this.phase !== "running" || this.current === null) {
      throw new InternalError(`${this.describe()}: ${call} while the sink is ${this.phase} (no open transaction)`);
    }
    return this.current;
  }

  private expectPhase(phase: SinkPhase, call: string): void {
    if (this.phase !== phase) throw new InternalError(`${this.describe()}: ${call} while the sink is ${this.phase}`);
  }

  private moveTo(next: SinkPhase): void {
    if (!TRANSITIONS[this.phase].includes(next)) throw new InternalError(`${this.describe()}: illegal transition ${this.phase} -> ${next}`);
    this.phase = next;
  }

  private describe(location: TaskLocation | null = this.location): string {
    const name = this.constructor.name;
    return location === null ? name : `${name} '${location.operatorName}' (subtask ${location.subtaskIndex + 1}/${location.parallelism})`;
  }
}
