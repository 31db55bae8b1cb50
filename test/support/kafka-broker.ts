/**
 * The one Apache Kafka broker of a test run: `kafkaBroker()` starts it on first use (fresh storage in a
 * temp dir, free ports) and every later call, from any test file, gets the same broker. It is killed when
 * the test process exits: by a watchdog process (bun test runs no exit handlers; a kill -9 runs none either).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KafkaBroker, tailFile } from "../../scripts/kafka/broker.ts";

export type { KafkaBroker } from "../../scripts/kafka/broker.ts";

let shared: Promise<KafkaBroker> | undefined;

/**
 * The shared broker, started once per process. Kafka tests call this in `beforeAll` and FAIL (never skip)
 * when it rejects: the error says what to install (Java 17, Maven) or what failed (download, start).
 * Set BICYCLE_KEEP_KAFKA=1 to keep its folder (config, storage, broker.log) after the run.
 *
 * @example
 * const broker = await kafkaBroker();
 * await broker.createTopic(`orders-${crypto.randomUUID()}`, 3);
 * connect({ bootstrapServers: [broker.bootstrap] });
 */
export function kafkaBroker(): Promise<KafkaBroker> {
  shared ??= startShared().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

async function startShared(): Promise<KafkaBroker> {
  const dir = mkdtempSync(join(tmpdir(), "bicycle-kafka-"));
  const keep = process.env.BICYCLE_KEEP_KAFKA !== undefined;
  // bun test runs no "exit" handlers: the watchdog is what stops the broker and deletes the folder.
  let broker: KafkaBroker;
  try {
    broker = await KafkaBroker.create({ dir, ownerPid: process.pid, removeDirWithOwner: !keep });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const cleanup = (): void => {
    broker.kill();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };
  // Runs where "exit" handlers run (a plain `bun` script); `bun test` 1.4.4 runs none, hence the watchdog.
  process.once("exit", cleanup);
  await broker.start();
  return broker;
}

/** Timings and the broker log's tail, for a failing Kafka test's message. */
export function describeBrokerForFailure(broker: KafkaBroker): string {
  return `Kafka broker ${broker.bootstrap} (pid ${broker.pid ?? "none"}), timings ${JSON.stringify(broker.timings)}; last lines of ${broker.logFile}:\n${tailFile(broker.logFile, 30)}`;
}
