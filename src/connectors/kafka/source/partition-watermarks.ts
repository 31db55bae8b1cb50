/**
 * @module connectors/kafka/source/partition-watermarks
 * Per-partition watermarks of a Kafka source subtask (Flink's per-split watermark generation).
 *
 * Each partition p keeps maxTs(p), the largest record timestamp it emitted, and lastRecordAt(p), when
 * it last emitted a record (processing time; the subtask's open for a partition that never did).
 *
 *   watermark(p)  = maxTs(p) - maxOutOfOrdernessMs - 1            (-inf before its first record)
 *   idle(p)       = idleTimeoutMs > 0 && now - lastRecordAt(p) >= idleTimeoutMs
 *   task watermark = min over partitions that are neither idle nor finished
 *                    "idle" when there is no such partition (none assigned, or all idle/finished)
 *
 * Invariants and cases:
 * - A partition that lags in event time holds the task back: records of a fast partition cannot fire
 *   windows the slow one still has data for.
 * - A partition with no data holds the task back only until it becomes idle; its next record makes it
 *   active again with its own (possibly lower) watermark; the task's emitted watermark never goes back
 *   (SourceStreamTask emits only increases), so such records may be late, as in Flink.
 * - A finished partition (bounded mode, stop offset reached) no longer counts.
 * - Before every active partition has a record, the result is null (no watermark yet), not -inf.
 * - All partitions idle: the answer is evaluated as if time were continuous. Just before the last
 *   partition(s) went idle (those with the latest lastRecordAt), they alone were active, so the task's
 *   watermark was theirs: that value is returned once (if it advanced), then "idle". Without this,
 *   a poll that happens to run only after every partition timed out would skip the watermark the
 *   data earned (e.g. p1 never had data and times out a few ms before p0: p0's watermark must fire).
 */

interface PartitionClock {
  maxTs: number;
  lastRecordAt: number;
  finished: boolean;
}

export class PartitionWatermarks {
  private readonly partitions = new Map<string, PartitionClock>();
  /** The last watermark returned on the way into "all idle" (returned once per advance). */
  private reportedBeforeIdle = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxOutOfOrdernessMs: number,
    private readonly idleTimeoutMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Track `partition` (key `topic\0partition`) from now on. */
  add(partition: string): void {
    if (!this.partitions.has(partition)) this.partitions.set(partition, { maxTs: Number.NEGATIVE_INFINITY, lastRecordAt: this.now(), finished: false });
  }

  /** A partition emitted records up to `maxTimestamp`. */
  observe(partition: string, maxTimestamp: number): void {
    const clock = this.partitions.get(partition);
    if (clock === undefined) return;
    if (maxTimestamp > clock.maxTs) clock.maxTs = maxTimestamp;
    clock.lastRecordAt = this.now();
  }

  /** The partition reached its stop offset. */
  finish(partition: string): void {
    const clock = this.partitions.get(partition);
    if (clock !== undefined) clock.finished = true;
  }

  /** The subtask's watermark (see the module comment): a number, "idle", or null for none yet. */
  current(): number | "idle" | null {
    const now = this.now();
    let min = Number.POSITIVE_INFINITY;
    let active = 0;
    for (const clock of this.partitions.values()) {
      if (clock.finished) continue;
      if (this.idleTimeoutMs > 0 && now - clock.lastRecordAt >= this.idleTimeoutMs) continue;
      active++;
      if (clock.maxTs < min) min = clock.maxTs;
    }
    if (active === 0) return this.beforeIdle();
    if (min === Number.NEGATIVE_INFINITY) return null;
    return min - this.maxOutOfOrdernessMs - 1;
  }

  /** All partitions idle: the watermark of the last ones to go idle, once, then "idle" (module comment). */
  private beforeIdle(): number | "idle" {
    let last = Number.NEGATIVE_INFINITY;
    for (const clock of this.partitions.values()) if (!clock.finished && clock.lastRecordAt > last) last = clock.lastRecordAt;
    let min = Number.POSITIVE_INFINITY;
    for (const clock of this.partitions.values()) if (!clock.finished && clock.lastRecordAt === last && clock.maxTs < min) min = clock.maxTs;
    if (min === Number.POSITIVE_INFINITY || min === Number.NEGATIVE_INFINITY) return "idle";
    const wm = min - this.maxOutOfOrdernessMs - 1;
    if (wm <= this.reportedBeforeIdle) return "idle";
    this.reportedBeforeIdle = wm;
    return wm;
  }
}
