/**
 * @module state/backend
 * The StateBackend interface: a factory of keyed state stores, one per operator subtask. Each store
 * holds the state of the key groups its subtask owns. Implementations live in one subfolder each.
 */
import type { KeyGroupRange, KeyedStateStore } from "../core/index.ts";

export interface KeyedBackendOptions {
  readonly operatorId: string;
  readonly keyGroupRange: KeyGroupRange;
  readonly maxParallelism: number;
}

/** Keyed state of one operator subtask. */
export interface KeyedStateBackend extends KeyedStateStore {
  /** Release everything the store holds. */
  dispose(): void;
}

export interface StateBackend {
  readonly name: string;
  createKeyedBackend(options: KeyedBackendOptions): KeyedStateBackend;
}
