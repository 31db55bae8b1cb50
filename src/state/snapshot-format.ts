/**
 * @module state/snapshot-format
 * Helpers every backend shares for the canonical snapshot (`bicycle-keyed-state/1`): checking a
 * snapshot before restoring it, the key-range filter, and TTL expiry.
 */
import type { KeyGroupRange } from "../core/index.ts";
import type { KeyedBackendOptions, KeyedStateSnapshot, StateKind } from "./backend.ts";
import { StateError } from "./errors.ts";

export const SNAPSHOT_FORMAT = "bicycle-keyed-state/1";

/** One state's section of a snapshot, as backends build it. */
export interface SnapshotState {
  readonly name: string;
  readonly kind: StateKind;
  readonly ttlMs: number | null;
  readonly entries: KeyedStateSnapshot["states"][number]["entries"];
}

export function buildSnapshot(options: KeyedBackendOptions, states: readonly SnapshotState[]): KeyedStateSnapshot {
  return {
    format: SNAPSHOT_FORMAT,
    operatorId: options.operatorId,
    maxParallelism: options.maxParallelism,
    keyGroupRange: { start: options.keyGroupRange.start, end: options.keyGroupRange.end },
    states,
  };
}

/**
 * Throw unless `snapshot` can restore into a store with `options`: the format must match and the
 * max parallelism must be the same (key groups are computed modulo it).
 */
export function checkRestorable(snapshot: KeyedStateSnapshot, options: KeyedBackendOptions, where: string): void {
  if (snapshot === null || typeof snapshot !== "object" || snapshot.format !== SNAPSHOT_FORMAT || !Array.isArray(snapshot.states)) {
    throw new StateError(`cannot restore ${where}: not a ${SNAPSHOT_FORMAT} snapshot`);
  }
  if (snapshot.maxParallelism !== options.maxParallelism) {
    throw new StateError(
      `cannot restore ${where}: snapshot of operator ${snapshot.operatorId} has max parallelism ${snapshot.maxParallelism}, ` +
        `this store ${options.maxParallelism} (key groups would not line up)`,
    );
  }
}

export function inRange(keyGroup: number, range: KeyGroupRange): boolean {
  return keyGroup >= range.start && keyGroup <= range.end;
}

/** Whether an entry written at `writtenAtMs` has outlived `ttlMs` at time `nowMs`. */
export function isExpired(writtenAtMs: number | null, ttlMs: number | null, nowMs: number): boolean {
  return ttlMs !== null && writtenAtMs !== null && nowMs - writtenAtMs >= ttlMs;
}

/** Throw unless a state registered as `have` can be used as `want` (a name keeps its kind). */
export function checkKind(name: string, have: StateKind, want: StateKind, operatorId: string, where: string): void {
  if (have !== want) {
    throw new StateError(`state '${name}' of operator ${operatorId} is ${have} state, not ${want} state (${where})`);
  }
}
