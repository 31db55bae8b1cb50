/**
 * Conformance suite every StateBackend must pass: value, list, map and reducing state scoped by the
 * current key, composite keys, keys(), state kinds per name, dispose. Call it from each backend's test.
 */
import { describe, expect, test } from "bun:test";
import type { StateBackend } from "../../src/state/index.ts";

export function keyedStateBackendSuite(name: string, createBackend: () => StateBackend): void {
  const store = () => createBackend().createKeyedBackend({ operatorId: "op-1", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 });

  describe(`${name} keyed state backend`, () => {
    test("value state is per key and falls back to its default", () => {
      const s = store();
      const count = s.getValueState<number>({ kind: "value", name: "count", defaultValue: 0 });
      s.setCurrentKey("a");
      expect(count.value()).toBe(0);
      count.update(5);
      s.setCurrentKey("b");
      expect(count.value()).toBe(0);
      count.update(7);
      s.setCurrentKey("a");
      expect(count.value()).toBe(5);
      count.clear();
      expect(count.value()).toBe(0);
      expect(s.getCurrentKey()).toBe("a");
    });

    test("map state: put/get/has/remove/entries per key", () => {
      const s = store();
      const m = s.getMapState<string, number>({ kind: "map", name: "m" });
      s.setCurrentKey(1);
      m.put("x", 1);
      m.put("y", 2);
      s.setCurrentKey(2);
      expect(m.size()).toBe(0);
      m.put("x", 10);
      s.setCurrentKey(1);
      expect(m.get("x")).toBe(1);
      expect(m.has("y")).toBe(true);
      m.remove("y");
      expect([...m.entries()]).toEqual([["x", 1]]);
      expect([...m.keys()]).toEqual(["x"]);
    });

    test("list and reducing state", () => {
      const s = store();
      const l = s.getListState<string>({ kind: "list", name: "l" });
      const r = s.getReducingState<number>({ kind: "reducing", name: "r", reduce: (a, b) => a + b });
      s.setCurrentKey("k");
      expect(l.get()).toEqual([]);
      l.add("a");
      l.addAll(["b", "c"]);
      expect(l.get()).toEqual(["a", "b", "c"]);
      l.update(["z"]);
      expect(l.get()).toEqual(["z"]);
      expect(r.get()).toBeUndefined();
      r.add(2);
      r.add(3);
      expect(r.get()).toBe(5);
    });

    test("composite keys: equal arrays address the same state and keys() returns them", () => {
      const s = store();
      const v = s.getValueState<string>({ kind: "value", name: "v" });
      s.setCurrentKey(["user", 1]);
      v.update("first");
      s.setCurrentKey(["user", 1]);
      expect(v.value()).toBe("first");
      s.setCurrentKey("plain");
      v.update("second");
      expect([...s.keys("v")]).toEqual([["user", 1], "plain"]);
      expect([...s.keys("unknown")]).toEqual([]);
    });

    test("a state name keeps its kind", () => {
      const s = store();
      s.getValueState({ kind: "value", name: "x" });
      expect(() => s.getMapState({ kind: "map", name: "x" })).toThrow(/state 'x' of operator op-1 is value state, not map state/);
    });

    test("dispose drops everything", () => {
      const s = store();
      s.setCurrentKey("k");
      s.getValueState<number>({ kind: "value", name: "v" }).update(1);
      s.dispose();
      expect([...s.keys("v")]).toEqual([]);
    });
  });
}
