/**
 * @module runtime/task/record-writer
 * Sends one operator's output over one job edge: picks the consumer subtask(s) of each record by the
 * edge's partitioning and pushes whole batches into the channels.
 *
 * - forward: the one channel to the same-index subtask, zero copy.
 * - rebalance: whole batches round-robin over the consumers (per batch rather than Flink's per record:
 *   the same balance over time without splitting batches).
 * - broadcast: the same (immutable) batch to every consumer.
 * - hash: records split by key group -> subtask; one consumer means no hashing at all.
 * Watermarks, idleness, barriers and end of input go to every channel.
 *
 * Output buffering (for edges that cross threads or processes, where every message has a fixed cost):
 * records are collected per channel and sent as one batch once a channel holds `buffer.records`, when
 * the task is about to wait (`flush()`), or once the oldest buffered record waited `buffer.maxDelayMs`
 * (Flink's network buffers with their flush timeout). A watermark that arrives while records are
 * buffered is held and sent right after them (with a later one replacing it): delaying a watermark is
 * always allowed, and it never overtakes the records sent before it. Barriers, idleness and end of input
 * flush first, so they keep their place in the stream exactly.
 */
import { subtaskForKey, type CheckpointBarrier, type RecordBatch, type StreamElement } from "../../core/index.ts";
import type { Partitioning } from "../../plan/index.ts";
import type { OutputChannel } from "../channels/local-channel.ts";
import type { Downstream } from "./downstream.ts";

/** Output buffering of a RecordWriter (see the module comment). */
export interface OutputBuffering {
  readonly records: number;
  readonly maxDelayMs: number;
}

export class RecordWriter implements Downstream {
  private nextChannel = 0;
  private readonly pendingValues: unknown[][] | null;
  private readonly pendingTimestamps: number[][] = [];
  private pendingCount = 0;
  private pendingSince = 0;
  private heldWatermark: number | null = null;

  constructor(
    readonly channels: readonly OutputChannel<unknown>[],
    private readonly partitioning: Partitioning,
    private readonly keyOf: ((v: unknown) => unknown) | null,
    private readonly maxParallelism: number,
    startChannel = 0,
    private readonly buffering: OutputBuffering | null = null,
  ) {
    this.nextChannel = startChannel % channels.length;
    this.pendingValues = buffering === null ? null : channels.map(() => []);
    if (buffering !== null) for (let c = 0; c < channels.length; c++) this.pendingTimestamps.push([]);
  }

  /** Send what is buffered (and a held watermark). Called before the task waits, and by the events. */
  flush(): void {
    const values = this.pendingValues;
    if (values === null) return;
    if (this.pendingCount > 0) {
      for (let c = 0; c < this.channels.length; c++) {
        if (values[c]!.length === 0) continue;
        this.channels[c]!.push({ kind: "batch", batch: { values: values[c]!, timestamps: this.pendingTimestamps[c]! } });
        values[c] = [];
        this.pendingTimestamps[c] = [];
      }
      this.pendingCount = 0;
    }
    if (this.heldWatermark !== null) {
      const timestamp = this.heldWatermark;
      this.heldWatermark = null;
      for (const c of this.channels) c.push({ kind: "watermark", timestamp });
    }
  }

  /** Add records for channel `c` to the buffer; sends everything once a channel is full or the buffer is old. */
  private buffer(c: number, vs: readonly unknown[], ts: readonly number[]): void {
    const values = this.pendingValues![c]!;
    const timestamps = this.pendingTimestamps[c]!;
    if (this.pendingCount === 0) this.pendingSince = performance.now();
    for (let i = 0; i < vs.length; i++) {
      values.push(vs[i]);
      timestamps.push(ts[i]!);
    }
    this.pendingCount += vs.length;
    if (values.length >= this.buffering!.records || performance.now() - this.pendingSince >= this.buffering!.maxDelayMs) this.flush();
  }

  /** True when every channel can take another batch. */
  isAvailable(): boolean {
    for (const c of this.channels) if (!c.hasCredit()) return false;
    return true;
  }

  processBatch(batch: RecordBatch<unknown>): void {
    const channels = this.channels;
    if (batch.values.length === 0) return;
    if (this.pendingValues !== null) {
      this.bufferBatch(batch);
      return;
    }
    if (channels.length === 1) {
      channels[0]!.push({ kind: "batch", batch });
      return;
    }
    switch (this.partitioning) {
      case "forward":
        channels[0]!.push({ kind: "batch", batch });
        return;
      case "rebalance":
        channels[this.nextChannel]!.push({ kind: "batch", batch });
        this.nextChannel = (this.nextChannel + 1) % channels.length;
        return;
      case "broadcast":
        for (const c of channels) c.push({ kind: "batch", batch });
        return;
      case "hash":
        this.partitionByKey(batch);
        return;
    }
  }

  private bufferBatch(batch: RecordBatch<unknown>): void {
    const n = this.channels.length;
    if (n === 1 || this.partitioning === "forward") return this.buffer(0, batch.values, batch.timestamps);
    if (this.partitioning === "rebalance") {
      const c = this.nextChannel;
      this.nextChannel = (c + 1) % n;
      return this.buffer(c, batch.values, batch.timestamps);
    }
    if (this.partitioning === "broadcast") {
      for (let c = 0; c < n; c++) this.buffer(c, batch.values, batch.timestamps);
      return;
    }
    const keyOf = this.keyOf!;
    const maxP = this.maxParallelism;
    const values = this.pendingValues!;
    const timestamps = this.pendingTimestamps;
    if (this.pendingCount === 0) this.pendingSince = performance.now();
    const vs = batch.values;
    const ts = batch.timestamps;
    let full = false;
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i];
      const target = subtaskForKey(keyOf(v), n, maxP);
      const column = values[target]!;
      column.push(v);
      timestamps[target]!.push(ts[i]!);
      if (column.length >= this.buffering!.records) full = true;
    }
    this.pendingCount += vs.length;
    if (full || performance.now() - this.pendingSince >= this.buffering!.maxDelayMs) this.flush();
  }

  private partitionByKey(batch: RecordBatch<unknown>): void {
    const keyOf = this.keyOf!;
    const n = this.channels.length;
    const maxP = this.maxParallelism;
    const values: unknown[][] = [];
    const timestamps: number[][] = [];
    for (let c = 0; c < n; c++) {
      values.push([]);
      timestamps.push([]);
    }
    const vs = batch.values;
    const ts = batch.timestamps;
    for (let i = 0; i < vs.length; i++) {
      const v = vs[i];
      const target = subtaskForKey(keyOf(v), n, maxP);
      values[target]!.push(v);
      timestamps[target]!.push(ts[i]!);
    }
    for (let c = 0; c < n; c++) {
      if (values[c]!.length > 0) this.channels[c]!.push({ kind: "batch", batch: { values: values[c]!, timestamps: timestamps[c]! } });
    }
  }

  private broadcastEvent(element: StreamElement<unknown>): void {
    for (const c of this.channels) c.push(element);
  }

  processWatermark(timestamp: number): void {
    if (this.pendingValues !== null && this.pendingCount > 0) {
      this.heldWatermark = timestamp; // sent right after the buffered records
      return;
    }
    this.broadcastEvent({ kind: "watermark", timestamp });
  }

  processBarrier(barrier: CheckpointBarrier): void {
    this.flush();
    this.broadcastEvent({ kind: "barrier", barrier });
  }

  processStatus(idle: boolean): void {
    this.flush();
    this.broadcastEvent(idle ? { kind: "idle" } : { kind: "active" });
  }

  endInput(): void {
    this.flush();
    this.broadcastEvent({ kind: "end" });
  }
}
