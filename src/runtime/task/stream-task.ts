/**
 * @module runtime/task/stream-task
 * StreamTask: one subtask of a vertex, running its operator chain in a mailbox loop.
 *
 *   open chain (tail -> head) -> loop { wait for output credit; run mail; take one input; process it
 *   synchronously through the chain } -> end of input -> close chain (head -> tail)
 *
 * Rules the loop keeps:
 * - One input element (a whole batch) is processed per step, in one synchronous call stack.
 * - Before taking input the task waits until every output channel has credit (backpressure).
 * - Mail (processing-time timers, later checkpoint triggers) runs between steps, never during one.
 * - It yields to the event loop every few ms so timers and I/O of other tasks in the process run.
 * - Cancellation (another task failed, or the job was cancelled) ends every wait with CancelledError.
 */
import { CancelledError, type CheckpointBarrier, type MetricGroup, type RecordBatch } from "../../core/index.ts";
import type { OperatorSubtaskState, TaskSnapshot } from "../checkpointing/task-snapshot.ts";
import { Wakeup } from "../channels/wakeup.ts";
import { METRIC_BACKPRESSURED_MS, METRIC_UNALIGNED_CHECKPOINTS } from "../events.ts";
import type { ChainedOperator } from "./chained-operator.ts";
import type { RecordWriter } from "./record-writer.ts";
import { PendingWork } from "./pending-work.ts";

/** Shared by the tasks of one job run: cancellation. */
export class JobRunControl {
  private cancelledFlag = false;
  /** Why the run was cancelled: the first failure, or a CancelledError. */
  reason: unknown = undefined;
  private reject!: (e: unknown) => void;
  readonly cancelled: Promise<never> = new Promise<never>((_, reject) => (this.reject = reject));
  private readonly wakeups = new Set<Wakeup>();

  constructor() {
    this.cancelled.catch(() => {});
  }

  get isCancelled(): boolean {
    return this.cancelledFlag;
  }

  cancel(reason: unknown = new CancelledError()): void {
    if (this.cancelledFlag) return;
    this.cancelledFlag = true;
    this.reason = reason;
    this.reject(reason);
    for (const w of this.wakeups) w.notify();
  }

  register(wakeup: Wakeup): void {
    this.wakeups.add(wakeup);
  }
}

const YIELD_EVERY_MS = 5;
/** Longest wait for running hook work of a cancelled task before its operators are closed. */
const CLOSE_WAIT_MS = 30_000;

/** How a task takes part in checkpoints: who it is, and where its snapshots go. */
export interface TaskCheckpointing {
  readonly taskId: string;
  readonly vertexId: string;
  readonly subtask: number;
  readonly parallelism: number;
  /** Barrier alignment longer than this switches the checkpoint to unaligned; 0 = always aligned. */
  readonly alignmentTimeoutMs: number;
  /** Receives the task's snapshot; the job runner persists it and acknowledges it to the coordinator. */
  acknowledge(snapshot: TaskSnapshot): void;
}

/** Checkpointing for tasks of jobs run without checkpoints (snapshots are dropped). */
export function noCheckpointing(taskId: string, vertexId: string, subtask: number, parallelism: number): TaskCheckpointing {
  return { taskId, vertexId, subtask, parallelism, alignmentTimeoutMs: 0, acknowledge: () => {} };
}

export abstract class StreamTask {
  protected readonly wakeup = new Wakeup();
  private readonly mailbox: (() => void)[] = [];
  private lastYield = performance.now();
  private readonly timeouts = new Set<ReturnType<typeof setTimeout>>();
  private readonly backpressuredMs;
  /** Work of asynchronous operator hooks; no input is taken until it settled. */
  protected readonly work = new PendingWork();
  private readonly unalignedCheckpoints;

  /** An unaligned snapshot waiting for its channel state. */
  private pendingUnaligned: TaskSnapshot | null = null;
  /**
   * Stop with savepoint is synchronous (as in Flink): after its barrier the task waits for the
   * savepoint's outcome. `pendingStop` is the savepoint's id until then; completion sets
   * `stopRequested` (finish without the final watermark), an abort lets the task carry on.
   */
  protected pendingStop: number | null = null;
  protected stopRequested = false;

  constructor(
    readonly name: string,
    /** Chain operators, head first, in topological order. */
    protected readonly chain: readonly ChainedOperator[],
    protected readonly writers: readonly RecordWriter[],
    protected readonly control: JobRunControl,
    metrics: MetricGroup,
    readonly checkpointing: TaskCheckpointing,
  ) {
    control.register(this.wakeup);
    for (const op of chain) op.work = this.work;
    for (const w of writers) for (const c of w.channels) c.setProducerWakeup(this.wakeup);
    this.backpressuredMs = metrics.counter(METRIC_BACKPRESSURED_MS);
    this.unalignedCheckpoints = metrics.counter(METRIC_UNALIGNED_CHECKPOINTS);
  }

  /** Ask for processing-time timers to be advanced from the mailbox at wall-clock `timestamp`. */
  readonly scheduleProcessingTime = (timestamp: number): void => {
    const handle = setTimeout(
      () => {
        this.timeouts.delete(handle);
        this.enqueueMail(() => {
          const now = Date.now();
          for (const op of this.chain) op.advanceProcessingTime(now);
        });
      },
      Math.max(0, timestamp - Date.now()),
    );
    this.timeouts.add(handle);
  };

  enqueueMail(mail: () => void): void {
    this.mailbox.push(mail);
    this.wakeup.notify();
  }

  protected runMail(): void {
    while (this.mailbox.length > 0) this.mailbox.shift()!();
  }

  /**
   * Between two inputs: wait until every output has credit and no hook work is pending, run the mail,
   * and wait for hook work the mail started (a sink committing). Returns undefined, without a Promise
   * or an await, in the common case that there is nothing to wait for (once per batch: it matters).
   */
  protected beforeInput(): Promise<void> | undefined {
    if (this.work.isEmpty && this.outputsAvailable() && this.mailbox.length === 0) return undefined;
    return this.beforeInputSlow();
  }

  private async beforeInputSlow(): Promise<void> {
    await this.awaitOutputs();
    this.runMail();
    if (!this.work.isEmpty) await this.work.drain(this.control.cancelled);
  }

  /** Run mail, then wait for hook work it started; undefined when there is none. */
  protected runMailAndWait(): Promise<void> | undefined {
    this.runMail();
    return this.work.isEmpty ? undefined : this.work.drain(this.control.cancelled);
  }

  protected checkCancelled(): void {
    if (this.control.isCancelled) throw this.control.reason ?? new CancelledError(`task ${this.name} cancelled`);
  }

  /** Wait for the next notify (data, credit, mail) or cancellation; buffered output goes out first. */
  protected async idle(): Promise<void> {
    for (const w of this.writers) w.flush();
    await Promise.race([this.wakeup.wait(), this.control.cancelled]);
    this.checkCancelled();
  }

  private outputsAvailable(): boolean {
    for (const w of this.writers) if (!w.isAvailable()) return false;
    return true;
  }

  /** Backpressure: wait until every output channel has credit (and asynchronous hook work is done). */
  protected async awaitOutputs(): Promise<void> {
    if (!this.work.isEmpty) await this.work.drain(this.control.cancelled);
    if (this.outputsAvailable()) return;
    const started = performance.now();
    this.waitingForCreditSince = started;
    try {
      while (!this.outputsAvailable()) {
        await this.idle();
        this.runMail();
      }
    } finally {
      this.waitingForCreditSince = null;
      this.backpressuredMs.inc(performance.now() - started);
    }
  }

  private waitingForCreditSince: number | null = null;

  /** Milliseconds spent waiting for output credit so far, including a wait still going on. */
  backpressuredTimeMs(now: number = performance.now()): number {
    return this.backpressuredMs.count + (this.waitingForCreditSince === null ? 0 : now - this.waitingForCreditSince);
  }

  /** Let the event loop run (timers, I/O, other tasks) every few milliseconds. */
  /** A Promise to await when it is time to yield, else undefined (no await per batch). */
  protected maybeYield(): Promise<void> | undefined {
    if (performance.now() - this.lastYield < YIELD_EVERY_MS) return undefined;
    return this.yieldNow();
  }

  private async yieldNow(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.lastYield = performance.now();
    this.checkCancelled();
  }

  /** Sources add their read position to the head operator's state. */
  protected snapshotInput(_checkpointId: number, _operators: Record<string, OperatorSubtaskState>): void {}

  /**
   * Take this task's part of checkpoint `barrier`: snapshot every chained operator, then forward the
   * barrier on every output channel, so downstream sees the barrier after exactly the records that
   * went into this snapshot. For an unaligned checkpoint the snapshot waits for its channel state.
   */
  protected performCheckpoint(barrier: CheckpointBarrier, unaligned = false): void {
    const id = barrier.checkpointId;
    const operators: Record<string, OperatorSubtaskState> = {};
    const waiting: Promise<void>[] = [];
    for (const op of this.chain) {
      const state = op.snapshot(id);
      if (state instanceof Promise) waiting.push(state.then((s) => void (operators[op.uid] = s)));
      else operators[op.uid] = state;
    }
    this.snapshotInput(id, operators);
    for (const writer of this.writers) writer.processBarrier(barrier);
    const { vertexId, subtask, parallelism } = this.checkpointing;
    if (barrier.thenStop) this.pendingStop = id;
    const finish = (): void => {
      const snapshot: TaskSnapshot = { version: 1, vertexId, subtask, parallelism, checkpointId: id, operators };
      if (unaligned) {
        this.unalignedCheckpoints.inc();
        this.pendingUnaligned = snapshot;
      } else {
        this.checkpointing.acknowledge(snapshot);
      }
    };
    // An asynchronous snapshot (a sink pre-committing) is acknowledged once it settled; the task takes
    // no further input before, so the in-flight records of an unaligned checkpoint come after it.
    if (waiting.length === 0) finish();
    else this.work.track(Promise.all(waiting).then(finish));
  }

  /** The in-flight records of an unaligned checkpoint are complete: acknowledge it with them. */
  protected completeUnaligned(checkpointId: number, batches: RecordBatch<unknown>[]): void {
    const pending = this.pendingUnaligned;
    if (pending === null || pending.checkpointId !== checkpointId) return;
    this.pendingUnaligned = null;
    this.checkpointing.acknowledge({ ...pending, channelState: { headUid: this.chain[0]!.uid, batches } });
  }

  /** Checkpoint `checkpointId` completed everywhere: tell every operator (from the mailbox). */
  notifyCheckpointComplete(checkpointId: number): void {
    this.enqueueMail(() => {
      for (const op of this.chain) op.notifyCheckpointComplete(checkpointId);
      this.notifyInput(checkpointId);
      if (this.pendingStop === checkpointId) {
        this.pendingStop = null;
        this.stopRequested = true;
      }
    });
  }

  /** Checkpoint `checkpointId` was aborted: drop what waits for it; a failed stop lets the task go on. */
  notifyCheckpointAborted(checkpointId: number): void {
    this.enqueueMail(() => {
      if (this.pendingUnaligned?.checkpointId === checkpointId) this.pendingUnaligned = null;
      if (this.pendingStop === checkpointId) this.pendingStop = null;
    });
  }

  /** While a stop-with-savepoint is undecided, wait (running mail) for its outcome. */
  protected async awaitStopDecision(): Promise<void> {
    while (this.pendingStop !== null) {
      await this.idle();
      this.runMail();
    }
  }

  protected notifyInput(_checkpointId: number): void {}

  protected abstract openInput(): Promise<void>;
  protected abstract processInput(): Promise<void>;
  protected async closeInput(): Promise<void> {}

  /** Run the task to completion; rejects with the failure that stopped it. */
  async run(): Promise<void> {
    let failed = false;
    try {
      for (let i = this.chain.length - 1; i >= 0; i--) this.chain[i]!.open();
      await this.work.drain(this.control.cancelled);
      await this.openInput();
      await this.processInput();
      await this.work.drain(this.control.cancelled);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      for (const handle of this.timeouts) clearTimeout(handle);
      // Close head -> tail, each on its own: a failing close must neither hide the task's real failure
      // nor keep the other operators, the source and the state backends from being released.
      let closeError: unknown = undefined;
      const attempt = (release: () => unknown) => {
        try {
          const r = release();
          if (r instanceof Promise) return r.catch((e: unknown) => void (closeError ??= e));
        } catch (error) {
          closeError ??= error;
        }
        return undefined;
      };
      // A cancelled or failed task may leave hook work running (a sink committing): let it settle (its
      // own timeouts bound it; at most CLOSE_WAIT_MS here) before closing the operators under it.
      if (!this.work.isEmpty) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([this.work.settled(), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
        clearTimeout(timer);
      }
      // Awaited: an asynchronous close (a sink aborting its transaction) must finish before the job
      // restarts, or the old attempt's calls race the new attempt's recovery.
      await Promise.all(this.chain.map((op) => attempt(() => op.close())));
      await attempt(() => this.closeInput());
      for (const op of this.chain) attempt(() => op.store?.dispose());
      if (!failed && closeError !== undefined) throw closeError;
    }
  }
}
