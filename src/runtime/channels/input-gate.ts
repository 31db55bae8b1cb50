/**
 * @module runtime/channels/input-gate
 * The consumer side of a task: polls its input channels round-robin, merges their watermarks and
 * idleness (WatermarkValve), and aligns checkpoint barriers.
 *
 * Barrier alignment (Chandy-Lamport, as Flink's SingleCheckpointBarrierHandler):
 *
 *   ch0: r r |B5| r r r        ch0 delivered barrier 5 -> blocked: its later records wait
 *   ch1: r r r r |B5| r        ch1's records before B5 still flow
 *                    ^ all channels delivered B5 -> unblock all, hand B5 to the task (snapshot, forward)
 *
 * Invariants:
 * - The task snapshots only after every non-ended channel delivered barrier N, and before any record
 *   that followed barrier N on any channel: the snapshot holds exactly the effect of records before N.
 * - An ended channel counts as having delivered every barrier.
 * - A barrier with a higher id abandons an unfinished alignment; a lower (stale) id is ignored.
 * - Unaligned fallback: when alignment takes longer than the task's alignment timeout, the task calls
 *   `switchToUnaligned()`: all channels unblock, the task snapshots at once and forwards the barrier;
 *   records still arriving before barrier N on the channels that had not delivered it are processed
 *   AND recorded, and when the last of those barriers arrives the gate hands the recording to the task
 *   as channel state ("channel-state"). Restoring replays it before any new input.
 * Watermarks: the gate's watermark is the minimum over active inputs, emitted only when it advances;
 * `end` comes out once every channel has ended.
 */
import type { CheckpointBarrier, RecordBatch, StreamElement } from "../../core/index.ts";
import { WatermarkValve } from "../time/watermark-valve.ts";
import type { InputChannel } from "./local-channel.ts";
import type { Wakeup } from "./wakeup.ts";

/** What the gate hands the task: stream elements, or the end of an unaligned checkpoint's recording. */
export type GateElement =
  | StreamElement<unknown>
  | { readonly kind: "channel-state"; readonly checkpointId: number; readonly batches: RecordBatch<unknown>[] };

interface Alignment {
  readonly barrier: CheckpointBarrier;
  readonly startedAt: number;
  /** Channels that have not delivered the barrier yet. */
  readonly pending: Set<number>;
  unaligned: boolean;
  readonly recorded: RecordBatch<unknown>[];
}

export class InputGate {
  private readonly valve: WatermarkValve;
  private readonly ended: boolean[];
  private readonly blocked: boolean[];
  private endedCount = 0;
  private next = 0;
  private readonly pending: GateElement[] = [];
  private alignment: Alignment | null = null;

  constructor(
    private readonly channels: readonly InputChannel<unknown>[],
    wakeup: Wakeup,
  ) {
    this.valve = new WatermarkValve(channels.length);
    this.ended = new Array<boolean>(channels.length).fill(false);
    this.blocked = new Array<boolean>(channels.length).fill(false);
    for (const c of channels) c.setConsumerWakeup(wakeup);
  }

  get watermark(): number {
    return this.valve.watermark;
  }

  /** When the current (still aligned) alignment started, or null. */
  get alignmentStartedAt(): number | null {
    return this.alignment !== null && !this.alignment.unaligned ? this.alignment.startedAt : null;
  }

  /** Alignment timed out: unblock everything and return the barrier for the task to snapshot now. */
  switchToUnaligned(): CheckpointBarrier | null {
    const a = this.alignment;
    if (a === null || a.unaligned) return null;
    a.unaligned = true;
    this.blocked.fill(false);
    return a.barrier;
  }

  /** The next element for the task, or undefined when no unblocked channel has one ready. */
  poll(): GateElement | undefined {
    if (this.pending.length > 0) return this.pending.shift();
    const n = this.channels.length;
    let empty = 0;
    while (empty < n) {
      const i = this.next;
      this.next = i + 1 === n ? 0 : i + 1;
      if (this.blocked[i]) {
        empty++;
        continue;
      }
      const element = this.channels[i]!.poll();
      if (element === undefined) {
        empty++;
        continue;
      }
      empty = 0;
      const out = this.handle(i, element);
      if (out !== undefined) return out;
    }
    return undefined;
  }

  private handle(i: number, element: StreamElement<unknown>): GateElement | undefined {
    switch (element.kind) {
      case "batch": {
        const a = this.alignment;
        // A copy: user functions downstream may mutate the records they are handed.
        if (a !== null && a.unaligned && a.pending.has(i)) a.recorded.push(structuredClone(element.batch));
        return element;
      }
      case "watermark": {
        const advanced = this.valve.inputWatermark(i, element.timestamp);
        return advanced === null ? undefined : { kind: "watermark", timestamp: advanced };
      }
      case "idle":
      case "active":
        for (const out of this.valve.inputStatus(i, element.kind === "idle")) this.pending.push(out);
        return this.pending.shift();
      case "barrier":
        return this.onBarrier(i, element.barrier);
      case "end": {
        if (this.ended[i]) return undefined;
        this.ended[i] = true;
        this.endedCount++;
        const advanced = this.valve.inputEnded(i);
        if (advanced !== null) this.pending.push({ kind: "watermark", timestamp: advanced });
        const done = this.channelDone(i);
        if (done !== undefined) this.pending.push(done);
        if (this.endedCount === this.channels.length) this.pending.push({ kind: "end" });
        return this.pending.shift();
      }
    }
  }

  private onBarrier(i: number, barrier: CheckpointBarrier): GateElement | undefined {
    let a = this.alignment;
    if (a !== null && barrier.checkpointId < a.barrier.checkpointId) return undefined; // stale
    if (a === null || barrier.checkpointId > a.barrier.checkpointId) {
      // A newer barrier abandons an unfinished alignment.
      this.blocked.fill(false);
      const pending = new Set<number>();
      for (let c = 0; c < this.channels.length; c++) if (!this.ended[c]) pending.add(c);
      a = { barrier, startedAt: performance.now(), pending, unaligned: false, recorded: [] };
      this.alignment = a;
    }
    if (!a.unaligned) this.blocked[i] = true;
    return this.channelDone(i);
  }

  /** Channel `i` delivered the barrier (or ended): complete the alignment when it was the last one. */
  private channelDone(i: number): GateElement | undefined {
    const a = this.alignment;
    if (a === null || !a.pending.delete(i) || a.pending.size > 0) return undefined;
    this.alignment = null;
    this.blocked.fill(false);
    if (a.unaligned) return { kind: "channel-state", checkpointId: a.barrier.checkpointId, batches: a.recorded };
    return { kind: "barrier", barrier: a.barrier };
  }
}
