/**
 * @module runtime/task/pending-work
 * Asynchronous work an operator started from a lifecycle hook (open, snapshotState,
 * notifyCheckpointComplete, endInput) that the task must wait for before it takes more input: e.g. a
 * two-phase-commit sink flushing its transaction when a barrier passes, or committing it once the
 * checkpoint completed. As in Flink, where these hooks block the task thread, the task processes
 * nothing else until the work settled; the first failure fails the task.
 */
export class PendingWork {
  private readonly pending = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  /** Wait for `work` before the next input; its rejection fails the task. */
  track(work: Promise<unknown>): void {
    const settled: Promise<void> = work.then(
      () => {
        this.pending.delete(settled);
      },
      (error: unknown) => {
        this.pending.delete(settled);
        this.failure ??= { error };
      },
    );
    this.pending.add(settled);
  }

  get isEmpty(): boolean {
    return this.pending.size === 0 && this.failure === null;
  }

  /** Resolves once the work pending now settled, however it ended (before operators are closed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  /** Wait until nothing is pending (work may start more work); throws the first failure. */
  async drain(cancelled: Promise<never>): Promise<void> {
    while (this.pending.size > 0) await Promise.race([Promise.all(this.pending), cancelled]);
    if (this.failure !== null) throw this.failure.error;
  }
}
