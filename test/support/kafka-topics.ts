/**
 * Reading a test's output topic back: every record up to the end offset, and the check that no
 * transaction is left open. Shared by the Kafka sink, broker-restart and cluster tests.
 */
import { expect } from "bun:test";
import { KafkaReader, type KafkaAdmin, type KafkaConnectionOptions, type KafkaRecord } from "../../src/connectors/kafka/client/index.ts";

type IsolationLevel = "read_committed" | "read_uncommitted";

/** The running-count records the tests write ({key, n} as JSON, keyed by the key): "key:n", checking the key. */
export function keyAndCount(r: KafkaRecord): string {
  const c = JSON.parse(Buffer.from(r.value!).toString("utf8")) as { key: number; n: number };
  if (r.key !== null) expect(Buffer.from(r.key).toString("utf8")).toBe(String(c.key));
  return `${c.key}:${c.n}`;
}

/** Every record of `topic` up to its end offset (the last stable offset for read_committed), mapped and sorted. */
export async function readTopic(
  admin: KafkaAdmin,
  connection: KafkaConnectionOptions,
  topic: string,
  map: (r: KafkaRecord) => string = keyAndCount,
  isolation: IsolationLevel = "read_committed",
): Promise<string[]> {
  const [partitions] = await admin.listPartitions([topic]);
  const tps = partitions!.partitions.map((partition) => ({ topic, partition }));
  const ends = await admin.listOffsets(tps, "latest", isolation);
  const endOf = (p: number) => ends.find((e) => e.partition === p)!.offset;
  const reader = KafkaReader.create(connection, { isolationLevel: isolation });
  const out: string[] = [];
  try {
    reader.assign(tps.map((tp) => ({ ...tp, offset: 0 })));
    const deadline = Date.now() + 20_000;
    while (reader.currentPositions().some((p) => p.offset < endOf(p.partition))) {
      if (Date.now() > deadline) throw new Error(`read of ${topic} did not reach ${JSON.stringify(ends)}`);
      for (const polled of await reader.poll({ maxWaitMs: 100 })) {
        for (const r of polled.records) if (r.offset < endOf(r.partition)) out.push(map(r));
      }
    }
  } finally {
    await reader.close();
  }
  return out.sort();
}

/**
 * read_committed end (LSO) == high watermark on every partition: no transaction left open. Polled for
 * a few seconds: EndTxn returns once the coordinator logged the commit, and the markers reach the
 * partitions a moment later; a really lingering transaction holds the LSO for transactionTimeoutMs.
 */
export async function expectNoOpenTransactions(admin: KafkaAdmin, topic: string): Promise<void> {
  const [partitions] = await admin.listPartitions([topic]);
  const tps = partitions!.partitions.map((partition) => ({ topic, partition }));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lso = await admin.listOffsets(tps, "latest", "read_committed");
    const hw = await admin.listOffsets(tps, "latest", "read_uncommitted");
    if (Bun.deepEquals(lso, hw) || Date.now() > deadline) {
      expect(lso).toEqual(hw);
      return;
    }
    await Bun.sleep(50);
  }
}
