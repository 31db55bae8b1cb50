/** Tests of keyed timers: ordering, deduplication, deletion, current key, timers registered while firing. */
import { describe, expect, test } from "bun:test";
import { MemoryKeyedStateBackend } from "../../state/index.ts";
import { KeyedTimerService } from "./timer-service.ts";
import { TimestampHeap } from "./timestamp-heap.ts";

function setup() {
  const store = new MemoryKeyedStateBackend({ operatorId: "t", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 });
  const scheduled: number[] = [];
  const timers = new KeyedTimerService(store, (ts) => scheduled.push(ts), "op");
  return { store, timers, scheduled };
}

describe("KeyedTimerService", () => {
  test("event-time timers fire in timestamp order, then key registration order, with the key set", () => {
    const { store, timers } = setup();
    for (const [key, ts] of [["b", 20], ["a", 10], ["c", 20], ["a", 20]] as const) {
      store.setCurrentKey(key);
      timers.registerEventTimeTimer(ts);
    }
    const fired: string[] = [];
    timers.advanceWatermark(15, (key, ts) => fired.push(`${String(key)}@${ts}:${String(store.getCurrentKey())}`));
    expect(fired).toEqual(["a@10:a"]);
    timers.advanceWatermark(100, (key, ts) => fired.push(`${String(key)}@${ts}`));
    expect(fired).toEqual(["a@10:a", "b@20", "c@20", "a@20"]);
    expect(timers.currentWatermark()).toBe(100);
  });

  test("the same (key, timestamp) is one timer; deleted timers do not fire", () => {
    const { store, timers } = setup();
    store.setCurrentKey(["composite", 1]);
    timers.registerEventTimeTimer(5);
    store.setCurrentKey(["composite", 1]); // a new but equal array
    timers.registerEventTimeTimer(5);
    store.setCurrentKey("x");
    timers.registerEventTimeTimer(5);
    timers.deleteEventTimeTimer(5);
    expect(timers.eventTimerCount).toBe(1);
    const fired: unknown[] = [];
    timers.advanceWatermark(5, (key) => fired.push(key));
    expect(fired).toEqual([["composite", 1]]);
  });

  test("a timer registered while firing, at or below the watermark, fires in the same advance", () => {
    const { store, timers } = setup();
    store.setCurrentKey("k");
    timers.registerEventTimeTimer(1);
    const fired: number[] = [];
    timers.advanceWatermark(10, (_key, ts) => {
      fired.push(ts);
      if (ts === 1) timers.registerEventTimeTimer(3);
    });
    expect(fired).toEqual([1, 3]);
  });

  test("processing-time timers ask the task to wake once per distinct time and fire when advanced", () => {
    const { store, timers, scheduled } = setup();
    store.setCurrentKey("k1");
    timers.registerProcessingTimeTimer(1000);
    store.setCurrentKey("k2");
    timers.registerProcessingTimeTimer(1000);
    timers.registerProcessingTimeTimer(2000);
    expect(scheduled).toEqual([1000, 2000]);
    const fired: string[] = [];
    timers.advanceProcessingTime(1500, (key, ts) => fired.push(`${String(key)}@${ts}`));
    expect(fired).toEqual(["k1@1000", "k2@1000"]);
  });

  test("non-keyed operators may read time but not register timers", () => {
    const timers = new KeyedTimerService(null, () => {}, "my-map");
    expect(timers.currentWatermark()).toBe(Number.NEGATIVE_INFINITY);
    expect(() => timers.registerEventTimeTimer(1)).toThrow(/operator 'my-map' is not keyed/);
  });
});

describe("TimestampHeap", () => {
  test("pops in ascending order", () => {
    const heap = new TimestampHeap();
    const values = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    for (const v of values) heap.push(v);
    const out: number[] = [];
    while (heap.size > 0) out.push(heap.pop()!);
    expect(out).toEqual([...values].sort((a, b) => a - b));
  });
});
