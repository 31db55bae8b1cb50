/**
 * @module core/stream-element
 * What flows through a channel between tasks: data batches and in-band control events
 * (watermarks, idleness changes, checkpoint barriers, end of input), in order.
 */
import type { RecordBatch } from "./batch.ts";

/** Smallest watermark: nothing is known about event time yet. */
export const MIN_WATERMARK = Number.NEGATIVE_INFINITY;
/** Final watermark, sent at end of input so every pending event-time window fires. */
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;

/** Barrier of the Chandy-Lamport snapshot: everything before it belongs to checkpoint `checkpointId`. */
export interface CheckpointBarrier {
  readonly checkpointId: number;
  readonly timestamp: number;
  /** Stop-with-savepoint: the task finishes after taking this snapshot. */
  readonly thenStop: boolean;
}

export type StreamElement<T> =
  | { readonly kind: "batch"; readonly batch: RecordBatch<T> }
  | { readonly kind: "watermark"; readonly timestamp: number }
  | { readonly kind: "idle" }
  | { readonly kind: "active" }
  | { readonly kind: "barrier"; readonly barrier: CheckpointBarrier }
  | { readonly kind: "end" };

export const IDLE_ELEMENT = { kind: "idle" } as const;
export const ACTIVE_ELEMENT = { kind: "active" } as const;
export const END_ELEMENT = { kind: "end" } as const;

export function watermarkElement(timestamp: number): StreamElement<never> {
  return { kind: "watermark", timestamp };
}
