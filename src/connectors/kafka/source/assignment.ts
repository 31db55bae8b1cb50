/**
 * @module connectors/kafka/source/assignment
 * Which partitions a Kafka source subtask reads, and the checkpointed state (next offset per partition).
 *
 * Assignment is done by the job, never by consumer-group rebalancing: every subtask lists the
 * partitions at open, sorts them by (topic, partition) and takes those with `index % parallelism ===
 * subtaskIndex` (round-robin, as Flink's KafkaSourceEnumerator spreads partitions over readers). Why
 * not the key-group ranges the generator's splits use: a split there is one of maxParallelism (128)
 * interleaved index ranges, but a topic has few partitions, and partitions 0..2 all fall in the range
 * of subtask 0 (key groups 0..63 at parallelism 2), leaving subtask 1 with nothing. Restoring at
 * another parallelism does not depend on the scheme: the state is a union (every subtask receives
 * the offsets of ALL subtasks of the previous run and keeps those of the partitions it now owns), so
 * any deterministic function of (sorted index, parallelism) rescales correctly.
 *
 * State: `{ layout: "kafka-offsets", partitions: [topic, partition, nextOffset, stopOffset | null][] }`.
 * A partition missing from the restored state (new partition, new topic of a pattern) starts from
 * the `startFrom` option.
 */
import type { TopicPartition } from "../client/index.ts";

/** One partition's position: the next offset to emit, and where a bounded source stops (exclusive). */
export interface PartitionPosition extends TopicPartition {
  offset: number;
  stopOffset: number | null;
}

/** The source state in a checkpoint (structured-clone / JSON data). */
export interface KafkaSourceState {
  readonly layout: "kafka-offsets";
  readonly partitions: Array<[string, number, number, number | null]>;
}

export const partitionKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** The partitions subtask `subtaskIndex` of `parallelism` owns, from every partition of the source. */
export function assignPartitions(all: readonly TopicPartition[], subtaskIndex: number, parallelism: number): TopicPartition[] {
  const sorted = [...all].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  return sorted.filter((_, i) => i % parallelism === subtaskIndex);
}

/** Union of the states of every old subtask: partition key -> position. Throws on foreign data. */
export function unionStates(states: readonly unknown[]): Map<string, PartitionPosition> {
  const out = new Map<string, PartitionPosition>();
  for (const state of states) {
    if (state === null || typeof state !== "object" || (state as Partial<KafkaSourceState>).layout !== "kafka-offsets" || !Array.isArray((state as KafkaSourceState).partitions)) {
      throw new Error(`Kafka source: restored state ${JSON.stringify(state)?.slice(0, 200)} is not a Kafka offsets state (expected {layout: "kafka-offsets", partitions})`);
    }
    for (const [topic, partition, offset, stopOffset] of (state as KafkaSourceState).partitions) {
      out.set(partitionKey(topic, partition), { topic, partition, offset, stopOffset });
    }
  }
  return out;
}

/** Positions -> the checkpointed state. */
export function toState(positions: Iterable<PartitionPosition>): KafkaSourceState {
  return { layout: "kafka-offsets", partitions: [...positions].map((p) => [p.topic, p.partition, p.offset, p.stopOffset]) };
}
