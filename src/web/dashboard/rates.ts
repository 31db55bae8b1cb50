/**
 * @module web/dashboard/rates
 * Records per second from the counters the REST API returns. Each poll hands in a counter's current
 * total; the rate is the increase over the last few seconds of samples. Counters reach the JobManager
 * with heartbeats, not with every poll, so a rate over one poll interval would swing between 0 and
 * twice the truth; a window of several samples smooths that out. A counter that goes down (a restarted
 * task counts from 0 again) starts its window afresh instead of giving a negative rate.
 */

const WINDOW_MS = 5000;

export class Rates {
  private readonly samples = new Map<string, { value: number; atMs: number }[]>();

  /** Records `value` for `key` at `nowMs` and returns the rate over the window (0 at the first sample). */
  sample(key: string, value: number, nowMs: number): number {
    let list = this.samples.get(key);
    if (list === undefined || (list.length > 0 && value < list.at(-1)!.value)) {
      list = [];
      this.samples.set(key, list);
    }
    list.push({ value, atMs: nowMs });
    // Keep one sample at or before the window's start, so the window spans WINDOW_MS once it can.
    while (list.length > 2 && list[1]!.atMs <= nowMs - WINDOW_MS) list.shift();
    const first = list[0]!;
    if (nowMs <= first.atMs) return 0;
    return ((value - first.value) * 1000) / (nowMs - first.atMs);
  }

  /** Forgets keys not in `keep` (jobs or tasks that went away). */
  retain(keep: ReadonlySet<string>): void {
    for (const key of this.samples.keys()) if (!keep.has(key)) this.samples.delete(key);
  }
}
