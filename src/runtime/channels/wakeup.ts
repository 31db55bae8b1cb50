/**
 * @module runtime/channels/wakeup
 * A reusable "something happened" signal: a task awaits `wait()` when it has nothing to do; channels
 * (new data, new credit) and the mailbox call `notify()`. One promise per idle period, not per record.
 */
export class Wakeup {
  private pending: Promise<void> | null = null;
  private resolve: (() => void) | null = null;
  private signalled = false;

  notify(): void {
    if (this.resolve !== null) {
      const r = this.resolve;
      this.resolve = null;
      this.pending = null;
      r();
    } else {
      this.signalled = true;
    }
  }

  /** Resolves at the next notify (at once if one came since the last wait). */
  wait(): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    this.pending ??= new Promise<void>((r) => (this.resolve = r));
    return this.pending;
  }
}
