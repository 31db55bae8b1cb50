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
});
