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
 */
import { subtaskForKey, type CheckpointBarrier, type RecordBatch, type StreamElement } from "../../core/index.ts";
import type { Partitioning } from "../../plan/index.ts";
import type { OutputChannel } from "../channels/local-channel.ts";
import type { Downstream } from "./downstream.ts";

export class RecordWriter implements Downstream {
  private nextChannel = 0;

  constructor(
    readonly channels: readonly OutputChannel<unknown>[],
    private readonly partitioning: Partitioning,
    private readonly keyOf: ((v: unknown) => unknown) | null,
    private readonly maxParallelism: number,
    startChannel = 0,
  ) {
    this.nextChannel = startChannel % channels.length;
  }

  /** True when every channel can take another batch. */
  isAvailable(): boolean {
    for (const c of this.channels) if (!c.hasCredit()) return false;
    return true;
  }

  processBatch(batch: RecordBatch<unknown>): void {
    const channels = this.channels;
    if (batch.values.length === 0) return;
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
    this.broadcastEvent({ kind: "watermark", timestamp });
  }

  processBarrier(barrier: CheckpointBarrier): void {
    this.broadcastEvent({ kind: "barrier", barrier });
  }

  processStatus(idle: boolean): void {
    this.broadcastEvent(idle ? { kind: "idle" } : { kind: "active" });
  }

  endInput(): void {
    this.broadcastEvent({ kind: "end" });
  }
}
