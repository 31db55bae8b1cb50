/**
 * The Kafka test harness itself: the shared broker starts, a 3-partition topic can be created, and after a
 * restart or a crash the broker answers on the same address with its topics intact. Timings print only on
 * failure.
 */
import { describe, expect, test } from "bun:test";
import { canConnect } from "../../scripts/kafka/broker.ts";
import { describeBrokerForFailure, type KafkaBroker, kafkaBroker } from "../support/kafka-broker.ts";

/** The first run on a machine downloads the jars (about 45 MB) before the JVM starts. */
const FIRST_START_TIMEOUT_MS = 300_000;

/** Run `body`; when it throws, print the broker's timings and log tail, then rethrow. */
async function withBrokerReport(broker: KafkaBroker, body: () => Promise<void>): Promise<void> {
  const began = performance.now();
  try {
    await body();
  } catch (error) {
    console.error(`failed after ${Math.round(performance.now() - began)} ms; ${describeBrokerForFailure(broker)}`);
    throw error;
  }
}

describe("Kafka test broker", () => {
  const topic = `bicycle-harness-${crypto.randomUUID().slice(0, 8)}`;

  test("starts once per run and accepts connections", async () => {
    const broker = await kafkaBroker();
    await withBrokerReport(broker, async () => {
      expect(broker.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(broker.isRunning()).toBe(true);
      expect(await canConnect(broker.port)).toBe(true);
      expect(await kafkaBroker()).toBe(broker);
    });
  }, FIRST_START_TIMEOUT_MS);

  test("creates a topic with 3 partitions", async () => {
    const broker = await kafkaBroker();
    await withBrokerReport(broker, async () => {
      await broker.createTopic(topic, 3);
      expect(await broker.describeTopic(topic)).toEqual({ name: topic, partitions: 3 });
      // A second create of the same name is an error that names the topic.
      await expect(broker.createTopic(topic, 3)).rejects.toThrow(`creating topic ${topic}`);
    });
  }, 60_000);

  test("restarts on the same address with the same storage", async () => {
    const broker = await kafkaBroker();
    await withBrokerReport(broker, async () => {
      const { bootstrap, pid } = broker;
      await broker.restart();
      expect(broker.bootstrap).toBe(bootstrap);
      expect(broker.pid).not.toBe(pid);
      expect(await canConnect(broker.port)).toBe(true);
      expect(await broker.describeTopic(topic)).toEqual({ name: topic, partitions: 3 });
    });
  }, 90_000);

  test("comes back after a crash (SIGKILL) with its topics", async () => {
    const broker = await kafkaBroker();
    await withBrokerReport(broker, async () => {
      await broker.restart({ signal: "SIGKILL" });
      expect(broker.isRunning()).toBe(true);
      expect(await broker.describeTopic(topic)).toEqual({ name: topic, partitions: 3 });
    });
  }, 90_000);
});
