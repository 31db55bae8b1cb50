/** The memory backend against the keyed state backend conformance suite, plus its own guarantees. */
import { describe, expect, test } from "bun:test";
import { keyedStateBackendSuite } from "../../../test/conformance/keyed-state-backend.ts";
import { MemoryKeyedStateBackend, MemoryStateBackend } from "./memory-keyed-backend.ts";

keyedStateBackendSuite("memory", () => new MemoryStateBackend());

describe("memory backend", () => {
  test("is constructible synchronously (the operator harness relies on it)", () => {
    const s = new MemoryKeyedStateBackend({ operatorId: "h", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 });
    s.setCurrentKey("k");
    s.getValueState<number>({ kind: "value", name: "v" }).update(1);
    expect(s.getValueState<number>({ kind: "value", name: "v" }).value()).toBe(1);
  });

  test("a state restored without TTL gains one when its descriptor asks for it", () => {
    let now = 1000;
    const a = new MemoryKeyedStateBackend({ operatorId: "t", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128, now: () => now });
    a.setCurrentKey("k");
    a.getValueState<number>({ kind: "value", name: "v" }).update(1);
    const b = new MemoryKeyedStateBackend({ operatorId: "t", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128, now: () => now });
    b.restore([a.snapshot(1)]);
    const v = b.getValueState<number>({ kind: "value", name: "v", ttl: { ttlMs: 100 } });
    b.setCurrentKey("k");
    expect(v.value()).toBe(1);
    now += 100;
    expect(v.value()).toBeUndefined();
  });

  test("consecutive equal composite keys (new arrays) share an entry; any differing element switches keys", () => {
    const s = new MemoryKeyedStateBackend({ operatorId: "c", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 });
    const v = s.getValueState<number>({ kind: "value", name: "v" });
    const put = (key: unknown[], x: number) => {
      s.setCurrentKey(key);
      v.update(x);
    };
    put([1, "a"], 1);
    s.setCurrentKey([1, "a"]);
    expect(v.value()).toBe(1);
    put([1, "b"], 2);
    put(["1", "b"], 3);
    put([1, "b", null], 4);
    put([NaN], 5);
    s.setCurrentKey([NaN]);
    expect(v.value()).toBe(5);
    const seen = (key: unknown[]) => {
      s.setCurrentKey(key);
      return v.value();
    };
    expect([seen([1, "a"]), seen([1, "b"]), seen(["1", "b"]), seen([1, "b", null])]).toEqual([1, 2, 3, 4]);
    expect(s.getCurrentKey()).toEqual([1, "b", null]);
  });
});
