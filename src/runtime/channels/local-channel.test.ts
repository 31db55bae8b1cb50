/** Tests of credit accounting in LocalChannel and of the Wakeup signal. */
import { describe, expect, test } from "bun:test";
import { LocalChannel } from "./local-channel.ts";
import { Wakeup } from "./wakeup.ts";

const batch = (n: number) => ({ kind: "batch" as const, batch: { values: [n], timestamps: [0] } });

describe("LocalChannel credits", () => {
  test("a producer has credit until `capacity` batches are queued; each poll returns one", () => {
    const channel = new LocalChannel<number>(3);
    expect(channel.hasCredit()).toBe(true);
    channel.push(batch(1));
    channel.push(batch(2));
    channel.push(batch(3));
    expect(channel.hasCredit()).toBe(false);
    expect(channel.backlog).toBe(3);
    expect(channel.poll()).toEqual(batch(1));
    expect(channel.hasCredit()).toBe(true);
    expect(channel.backlog).toBe(2);
  });

  test("control events need no credit and keep their order with data", () => {
    const channel = new LocalChannel<number>(1);
    channel.push(batch(1));
    channel.push({ kind: "watermark", timestamp: 5 });
    channel.push({ kind: "end" });
    expect(channel.hasCredit()).toBe(false);
    expect(channel.poll()?.kind).toBe("batch");
    expect(channel.poll()).toEqual({ kind: "watermark", timestamp: 5 });
    expect(channel.poll()).toEqual({ kind: "end" });
    expect(channel.poll()).toBeUndefined();
  });

  test("consumer is woken on data, producer on returned credit", async () => {
    const channel = new LocalChannel<number>(1);
    const consumer = new Wakeup();
    const producer = new Wakeup();
    channel.setConsumerWakeup(consumer);
    channel.setProducerWakeup(producer);
    let consumerWoke = false;
    const c = consumer.wait().then(() => (consumerWoke = true));
    channel.push(batch(1));
    await c;
    expect(consumerWoke).toBe(true);
    let producerWoke = false;
    const p = producer.wait().then(() => (producerWoke = true));
    await Promise.resolve();
    expect(producerWoke).toBe(false);
    channel.poll();
    await p;
    expect(producerWoke).toBe(true);
  });

  test("keeps FIFO order across many pushes and compactions", () => {
    const channel = new LocalChannel<number>(10_000);
    for (let i = 0; i < 5000; i++) channel.push(batch(i));
    for (let i = 0; i < 5000; i++) {
      const e = channel.poll();
      expect(e?.kind === "batch" && e.batch.values[0]).toBe(i);
    }
    expect(channel.highWater).toBe(5000);
  });

  test("a notify before wait is not lost", async () => {
    const w = new Wakeup();
    w.notify();
    await w.wait(); // resolves at once
    expect(true).toBe(true);
  });
});
