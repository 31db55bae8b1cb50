/**
 * @module runtime/checkpointing/task-snapshot
 * What one task contributes to a checkpoint, keyed by operator uid so a savepoint maps onto a job
 * with different chaining or parallelism: per operator its keyed state, its timers and its own
 * operator state; plus, for an unaligned checkpoint, the in-flight input records (channel state).
 * Serialized with the structured-clone format of bun:jsc.
 */
import { deserialize, serialize } from "bun:jsc";
import type { RecordBatch } from "../../core/index.ts";
import type { KeyedStateSnapshot } from "../../state/index.ts";

/** A timer: [timestamp, original key, domain]. */
export type TimerEntry = [timestamp: number, key: unknown, domain: "event" | "processing"];

export interface OperatorSubtaskState {
  readonly keyed?: KeyedStateSnapshot;
  readonly timers?: readonly TimerEntry[];
  /** From Operator.snapshotState / Source.snapshotState. */
  readonly operator?: unknown;
}

export interface TaskSnapshot {
  readonly version: 1;
  readonly vertexId: string;
  readonly subtask: number;
  readonly parallelism: number;
  readonly checkpointId: number;
  /** Operator uid -> its state in this subtask. */
  readonly operators: Readonly<Record<string, OperatorSubtaskState>>;
  /** Unaligned checkpoints: input records that were in flight, to replay into the chain head (by uid). */
  readonly channelState?: { readonly headUid: string; readonly batches: readonly RecordBatch<unknown>[] };
}

export function encodeTaskSnapshot(snapshot: TaskSnapshot): Uint8Array {
  return new Uint8Array(serialize(snapshot));
}

export function decodeTaskSnapshot(bytes: Uint8Array): TaskSnapshot {
  const value = deserialize(bytes) as TaskSnapshot;
  if (value === null || typeof value !== "object" || value.version !== 1 || typeof value.operators !== "object") {
    throw new TypeError("not a Bicycle task snapshot (version 1)");
  }
  return value;
}

/** Everything a restored task needs, gathered over all subtasks of the previous run. */
export interface RestoreState {
  readonly checkpointId: number;
  /** Every previous subtask's state of operator `uid` (empty when the operator is new). */
  operatorStates(uid: string): readonly OperatorSubtaskState[];
  /** Channel state recorded for chain head `uid`, per previous subtask. */
  channelStates(uid: string): ReadonlyArray<{ readonly subtask: number; readonly batches: readonly RecordBatch<unknown>[] }>;
}

/** Index decoded task snapshots by operator uid. */
export function indexSnapshots(checkpointId: number, snapshots: readonly TaskSnapshot[]): RestoreState {
  const operators = new Map<string, OperatorSubtaskState[]>();
  const channels = new Map<string, { subtask: number; batches: readonly RecordBatch<unknown>[] }[]>();
  for (const snapshot of snapshots) {
    for (const [uid, state] of Object.entries(snapshot.operators)) {
      if (!operators.has(uid)) operators.set(uid, []);
      operators.get(uid)!.push(state);
    }
    if (snapshot.channelState !== undefined) {
      const { headUid, batches } = snapshot.channelState;
      if (!channels.has(headUid)) channels.set(headUid, []);
      channels.get(headUid)!.push({ subtask: snapshot.subtask, batches });
    }
  }
  return {
    checkpointId,
    operatorStates: (uid) => operators.get(uid) ?? [],
    channelStates: (uid) => channels.get(uid) ?? [],
  };
}
