/**
 * Conformance suite every StateBackend must pass: value, list, map and reducing state scoped by the
 * current key, composite keys, keys(), state kinds per name, snapshot/restore in the canonical format
 * (also across parallelism changes), TTL on an injected clock, dispose. Call it from each backend's test.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { denormalizeKey, keyGroupOf, keyGroupRangeFor, subtaskForKey, type KeyGroupRange } from "../../src/core/index.ts";
import { StateError, type KeyedStateBackend, type KeyedStateSnapshot, type StateBackend } from "../../src/state/index.ts";

const MAX_PARALLELISM = 128;
const FULL: KeyGroupRange = { start: 0, end: MAX_PARALLELISM - 1 };
const T0 = 1_700_000_000_000;

/** Keys in a stable order, for comparing keys() of backends that order them differently. */
const sorted = (keys: Iterable<unknown>): unknown[] => [...keys].sort((a, b) => text(a).localeCompare(text(b)));
const text = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x)) ?? "undefined";

export function keyedStateBackendSuite(name: string, createBackend: () => StateBackend): void {
  const opened: KeyedStateBackend[] = [];
  let clock = T0;

  /** A keyed store on the suite's manual clock, disposed after the test. */
  const store = async (keyGroupRange: KeyGroupRange = FULL, operatorId = "op-1"): Promise<KeyedStateBackend> => {
    const s = await createBackend().createKeyedBackend({ operatorId, keyGroupRange, maxParallelism: MAX_PARALLELISM, now: () => clock });
    opened.push(s);
    return s;
  };

  afterEach(async () => {
    for (const s of opened.splice(0)) {
      s.dispose();
      await (s as { closed?: Promise<void> | null }).closed;
    }
    clock = T0;
  });

  describe(`${name} keyed state backend`, () => {
    test("value state is per key and falls back to its default", async () => {
      const s = await store();
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

    test("map state: put/get/has/remove/entries per key", async () => {
      const s = await store();
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
      m.clear();
      expect(m.size()).toBe(0);
      expect(sorted(s.keys("m"))).toEqual([2]);
    });

    test("map state keys compare by value, also composite ones", async () => {
      const s = await store();
      const m = s.getMapState<[string, number], string>({ kind: "map", name: "m" });
      s.setCurrentKey("k");
      m.put(["a", 1], "first");
      m.put(["a", 1], "second");
      expect(m.get(["a", 1])).toBe("second");
      expect(m.size()).toBe(1);
      expect([...m.entries()]).toEqual([[["a", 1], "second"]]);
    });

    test("list and reducing state", async () => {
      const s = await store();
      const l = s.getListState<string>({ kind: "list", name: "l" });
      const r = s.getReducingState<number>({ kind: "reducing", name: "r", reduce: (a, b) => a + b });
      s.setCurrentKey("k");
      expect(l.get()).toEqual([]);
      l.add("a");
      l.addAll(["b", "c"]);
      expect(l.get()).toEqual(["a", "b", "c"]);
      l.update(["z"]);
      expect(l.get()).toEqual(["z"]);
      l.update([]);
      expect(l.get()).toEqual([]);
      expect([...s.keys("l")]).toEqual([]);
      expect(r.get()).toBeUndefined();
      r.add(2);
      r.add(3);
      expect(r.get()).toBe(5);
      r.clear();
      expect(r.get()).toBeUndefined();
    });

    test("values of every structured-clone shape come back equal", async () => {
      const s = await store();
      const v = s.getValueState<unknown>({ kind: "value", name: "v" });
      const values: unknown[] = [0, -1.5, Number.MAX_SAFE_INTEGER, "", "héllo ✓", true, null, 12n, { a: [1, { b: "c" }] }, [1, "x"], new Date(5), new Map([[1, "a"]])];
      values.forEach((value, i) => {
        s.setCurrentKey(i);
        v.update(value);
      });
      values.forEach((value, i) => {
        s.setCurrentKey(i);
        expect(v.value()).toEqual(value);
      });
    });

    test("keys of primitive types stay apart", async () => {
      const s = await store();
      const v = s.getValueState<string>({ kind: "value", name: "v" });
      const keys: unknown[] = ["1", 1, true, "true", 2n, null, ["1"], { id: 1 }];
      keys.forEach((k, i) => {
        s.setCurrentKey(k);
        v.update(`v${i}`);
      });
      keys.forEach((k, i) => {
        s.setCurrentKey(k);
        expect(v.value()).toBe(`v${i}`);
      });
      expect(sorted(s.keys("v"))).toEqual(sorted(keys));
    });

    test("strings with lone surrogates or a leading NUL stay distinct keys and values, and snapshot to their key group", async () => {
      const s = await store();
      const v = s.getValueState<string>({ kind: "value", name: "v" });
      const keys = ["\uD800", "\uDC00", "\uFFFD", "😀".slice(0, 1), "\u0000abc", '\u0000["a"]'];
      keys.forEach((k, i) => {
        s.setCurrentKey(k);
        v.update(`${k}|v${i}\uD800`);
      });
      s.setCurrentKey(["a"]);
      v.update("composite");
      keys.forEach((k, i) => {
        s.setCurrentKey(k);
        expect(v.value()).toBe(`${k}|v${i}\uD800`);
      });
      const snapshot = s.snapshot(1);
      const entries = snapshot.states.find((st) => st.name === "v")!.entries;
      expect(entries).toHaveLength(keys.length + 1);
      for (const [group, key] of entries) expect(group).toBe(keyGroupOf(denormalizeKey(key), 128));
      const restored = await store();
      restored.restore([snapshot]);
      const rv = restored.getValueState<string>({ kind: "value", name: "v" });
      keys.forEach((k, i) => {
        restored.setCurrentKey(k);
        expect(rv.value()).toBe(`${k}|v${i}\uD800`);
      });
    });

    test("composite keys: equal arrays address the same state and keys() returns them", async () => {
      const s = await store();
      const v = s.getValueState<string>({ kind: "value", name: "v" });
      s.setCurrentKey(["user", 1]);
      v.update("first");
      s.setCurrentKey(["user", 1]);
      expect(v.value()).toBe("first");
      s.setCurrentKey("plain");
      v.update("second");
      expect(sorted(s.keys("v"))).toEqual(sorted([["user", 1], "plain"]));
      expect([...s.keys("unknown")]).toEqual([]);
    });

    test("a state name keeps its kind", async () => {
      const s = await store();
      s.getValueState({ kind: "value", name: "x" });
      expect(() => s.getMapState({ kind: "map", name: "x" })).toThrow(/state 'x' of operator op-1 is value state, not map state/);
      expect(() => s.getMapState({ kind: "map", name: "x" })).toThrow(StateError);
    });

    test("a value that cannot be stored fails with a StateError naming state and operator", async () => {
      const s = await store();
      const v = s.getValueState<unknown>({ kind: "value", name: "fn" });
      s.setCurrentKey("k");
      expect(() => {
        v.update(() => 1);
        s.snapshot(1);
      }).toThrow(/state 'fn'.*operator op-1/);
    });

    test("many keys: every one reads back (beyond any cache)", async () => {
      const s = await store();
      const v = s.getValueState<number>({ kind: "value", name: "v" });
      const m = s.getMapState<number, string>({ kind: "map", name: "m" });
      for (let i = 0; i < 3000; i++) {
        s.setCurrentKey(`k${i}`);
        v.update((v.value() ?? 0) + i);
        m.put(i % 3, `e${i}`);
      }
      for (let i = 0; i < 3000; i++) {
        s.setCurrentKey(`k${i}`);
        expect(v.value()).toBe(i);
        expect(m.get(i % 3)).toBe(`e${i}`);
        expect(m.size()).toBe(1);
      }
      expect([...s.keys("v")].length).toBe(3000);
    });

    describe("snapshot and restore", () => {
      /** A store with all four kinds, composite keys and map entries. */
      const fill = async (s: KeyedStateBackend): Promise<void> => {
        const v = s.getValueState<{ n: number }>({ kind: "value", name: "v" });
        const l = s.getListState<number>({ kind: "list", name: "l" });
        const m = s.getMapState<unknown, string>({ kind: "map", name: "m" });
        const r = s.getReducingState<number>({ kind: "reducing", name: "r", reduce: (a, b) => a + b });
        for (const key of ["a", 7, ["user", 1], { region: "eu", id: 2 }]) {
          s.setCurrentKey(key);
          v.update({ n: JSON.stringify(key).length });
          l.addAll([1, 2, 3]);
          m.put("x", "ex");
          m.put(["y", 1], "why");
          r.add(4);
          r.add(5);
        }
      };

      const check = (s: KeyedStateBackend): void => {
        const v = s.getValueState<{ n: number }>({ kind: "value", name: "v" });
        const l = s.getListState<number>({ kind: "list", name: "l" });
        const m = s.getMapState<unknown, string>({ kind: "map", name: "m" });
        const r = s.getReducingState<number>({ kind: "reducing", name: "r", reduce: (a, b) => a + b });
        const keys = ["a", 7, ["user", 1], { region: "eu", id: 2 }];
        for (const key of keys) {
          s.setCurrentKey(key);
          expect(v.value()).toEqual({ n: JSON.stringify(key).length });
          expect(l.get()).toEqual([1, 2, 3]);
          expect(sorted(m.entries())).toEqual(sorted([["x", "ex"], [["y", 1], "why"]]));
          expect(m.get(["y", 1])).toBe("why");
          expect(r.get()).toBe(9);
        }
        for (const state of ["v", "l", "m", "r"]) expect(sorted(s.keys(state))).toEqual(sorted(keys));
      };

      test("round trip of all four kinds, composite keys and map entries", async () => {
        const a = await store();
        await fill(a);
        const snap = a.snapshot(1);
        const b = await store();
        b.restore([snap]);
        check(b);
      });

      test("the snapshot is in the canonical format", async () => {
        const s = await store({ start: 0, end: 127 }, "op-7");
        const m = s.getMapState<string, number>({ kind: "map", name: "m" });
        s.setCurrentKey(["user", 1]);
        m.put("x", 1);
        s.setCurrentKey("plain");
        s.getValueState<number>({ kind: "value", name: "v" }).update(3);
        const snap = s.snapshot(4);
        expect(snap.format).toBe("bicycle-keyed-state/1");
        expect(snap.operatorId).toBe("op-7");
        expect(snap.maxParallelism).toBe(MAX_PARALLELISM);
        expect(snap.keyGroupRange).toEqual({ start: 0, end: 127 });
        const byName = new Map(snap.states.map((st) => [st.name, st]));
        expect(byName.get("m")).toEqual({
          name: "m",
          kind: "map",
          ttlMs: null,
          entries: [[keyGroupOf(["user", 1], MAX_PARALLELISM), '\u0000["user",1]', "x", 1, null]],
        });
        expect(byName.get("v")?.entries).toEqual([[keyGroupOf("plain", MAX_PARALLELISM), "plain", null, 3, null]]);
      });

      test("a snapshot is a copy: later writes and in-place mutation do not change it", async () => {
        const s = await store();
        const v = s.getValueState<{ n: number }>({ kind: "value", name: "v" });
        const l = s.getListState<number>({ kind: "list", name: "l" });
        const m = s.getMapState<string, number>({ kind: "map", name: "m" });
        s.setCurrentKey("k");
        v.update({ n: 1 });
        l.add(1);
        m.put("a", 1);
        const snap = s.snapshot(1);
        const frozen = structuredClone(snap);
        v.value()!.n = 99;
        v.update({ n: 2 });
        l.add(2);
        m.put("a", 2);
        m.put("b", 3);
        s.setCurrentKey("other");
        v.update({ n: 3 });
        expect(snap).toEqual(frozen);
        const b = await store();
        b.restore([snap]);
        b.setCurrentKey("k");
        expect(b.getValueState<{ n: number }>({ kind: "value", name: "v" }).value()).toEqual({ n: 1 });
        expect(b.getListState<number>({ kind: "list", name: "l" }).get()).toEqual([1]);
        expect([...b.getMapState<string, number>({ kind: "map", name: "m" }).entries()]).toEqual([["a", 1]]);
        expect([...b.keys("v")]).toEqual(["k"]);
      });

      test("restoring the same snapshot into two stores gives each its own copy", async () => {
        const a = await store();
        a.setCurrentKey("k");
        a.getValueState<number[]>({ kind: "value", name: "v" }).update([1]);
        const snap = a.snapshot(1);
        const b = await store();
        const c = await store();
        b.restore([snap]);
        c.restore([snap]);
        b.setCurrentKey("k");
        b.getValueState<number[]>({ kind: "value", name: "v" }).value()!.push(2);
        c.setCurrentKey("k");
        expect(c.getValueState<number[]>({ kind: "value", name: "v" }).value()).toEqual([1]);
      });

      test("a hand-written canonical snapshot restores (snapshots are backend-independent)", async () => {
        const kg = (key: unknown): number => keyGroupOf(key, MAX_PARALLELISM);
        const snap: KeyedStateSnapshot = {
          format: "bicycle-keyed-state/1",
          operatorId: "elsewhere",
          maxParallelism: MAX_PARALLELISM,
          keyGroupRange: FULL,
          states: [
            { name: "v", kind: "value", ttlMs: null, entries: [[kg("a"), "a", null, 1, null], [kg(["c", 2]), '\u0000["c",2]', null, 2, null]] },
            { name: "m", kind: "map", ttlMs: null, entries: [[kg("a"), "a", 10, "ten", null], [kg("a"), "a", ["p", 1], "p1", null]] },
          ],
        };
        const s = await store();
        s.restore([snap]);
        s.setCurrentKey(["c", 2]);
        expect(s.getValueState<number>({ kind: "value", name: "v" }).value()).toBe(2);
        s.setCurrentKey("a");
        const m = s.getMapState<unknown, string>({ kind: "map", name: "m" });
        expect(m.get(10)).toBe("ten");
        expect(m.get(["p", 1])).toBe("p1");
        expect(sorted(s.keys("v"))).toEqual(sorted(["a", ["c", 2]]));
      });

      test("restore into 3 stores keeps exactly each store's key groups", async () => {
        const whole = await store(FULL);
        const v = whole.getValueState<number>({ kind: "value", name: "v" });
        const m = whole.getMapState<string, number>({ kind: "map", name: "m" });
        const keys = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? `key-${i}` : i));
        keys.forEach((k, i) => {
          whole.setCurrentKey(k);
          v.update(i);
          m.put("i", i);
        });
        const snap = whole.snapshot(1);
        let total = 0;
        for (let sub = 0; sub < 3; sub++) {
          const part = await store(keyGroupRangeFor(sub, 3, MAX_PARALLELISM));
          part.restore([snap]);
          const mine = keys.filter((k) => subtaskForKey(k, 3, MAX_PARALLELISM) === sub);
          expect(mine.length).toBeGreaterThan(200);
          expect(sorted(part.keys("v"))).toEqual(sorted(mine));
          expect(sorted(part.keys("m"))).toEqual(sorted(mine));
          const pv = part.getValueState<number>({ kind: "value", name: "v" });
          const pm = part.getMapState<string, number>({ kind: "map", name: "m" });
          for (const k of mine) {
            part.setCurrentKey(k);
            const i = keys.indexOf(k);
            expect(pv.value()).toBe(i);
            expect(pm.get("i")).toBe(i);
          }
          // Its snapshot holds only its own key groups.
          const range = keyGroupRangeFor(sub, 3, MAX_PARALLELISM);
          for (const st of part.snapshot(2).states) for (const [g] of st.entries) expect(g >= range.start && g <= range.end).toBe(true);
          total += mine.length;
        }
        expect(total).toBe(1000);
      });

      test("restore into 1 store from 2 snapshots", async () => {
        const keys = Array.from({ length: 1000 }, (_, i) => `key-${i}`);
        const snaps: KeyedStateSnapshot[] = [];
        for (let sub = 0; sub < 2; sub++) {
          const part = await store(keyGroupRangeFor(sub, 2, MAX_PARALLELISM));
          const v = part.getValueState<number>({ kind: "value", name: "v" });
          keys.forEach((k, i) => {
            if (subtaskForKey(k, 2, MAX_PARALLELISM) !== sub) return;
            part.setCurrentKey(k);
            v.update(i);
          });
          snaps.push(part.snapshot(1));
        }
        const one = await store(FULL);
        one.restore(snaps);
        expect(sorted(one.keys("v"))).toEqual(sorted(keys));
        const v = one.getValueState<number>({ kind: "value", name: "v" });
        keys.forEach((k, i) => {
          one.setCurrentKey(k);
          expect(v.value()).toBe(i);
        });
      });

      test("restore rejects a snapshot of another max parallelism or format", async () => {
        const s = await store();
        const snap = s.snapshot(1);
        expect(() => s.restore([{ ...snap, maxParallelism: 256 }])).toThrow(/max parallelism 256/);
        expect(() => s.restore([{ ...snap, format: "nope" } as unknown as KeyedStateSnapshot])).toThrow(StateError);
      });
    });

    describe("TTL", () => {
      const ttl = { ttlMs: 1000 };

      test("value, list and reducing state expire ttlMs after their last write", async () => {
        const s = await store();
        const v = s.getValueState<number>({ kind: "value", name: "v", defaultValue: -1, ttl });
        const l = s.getListState<number>({ kind: "list", name: "l", ttl });
        const r = s.getReducingState<number>({ kind: "reducing", name: "r", reduce: (a, b) => a + b, ttl });
        s.setCurrentKey("k");
        v.update(1);
        l.add(1);
        r.add(1);
        clock += 600;
        expect(v.value()).toBe(1); // a read does not refresh
        l.add(2); // a write does
        clock += 500;
        expect(v.value()).toBe(-1);
        expect(l.get()).toEqual([1, 2]);
        expect(r.get()).toBeUndefined();
        r.add(5);
        expect(r.get()).toBe(5);
        expect([...s.keys("v")]).toEqual([]);
        expect([...s.keys("l")]).toEqual(["k"]);
        clock += 1000;
        expect(l.get()).toEqual([]);
      });

      test("map entries expire one by one", async () => {
        const s = await store();
        const m = s.getMapState<string, number>({ kind: "map", name: "m", ttl });
        s.setCurrentKey("k");
        m.put("a", 1);
        clock += 600;
        m.put("b", 2);
        clock += 500;
        expect(m.get("a")).toBeUndefined();
        expect(m.has("a")).toBe(false);
        expect(m.get("b")).toBe(2);
        expect(m.size()).toBe(1);
        expect([...m.entries()]).toEqual([["b", 2]]);
        expect([...s.keys("m")]).toEqual(["k"]);
        clock += 1000;
        expect([...m.keys()]).toEqual([]);
        expect([...s.keys("m")]).toEqual([]);
      });

      test("snapshots keep write times and drop expired entries; restore drops what expired since", async () => {
        const s = await store();
        const v = s.getValueState<string>({ kind: "value", name: "v", ttl });
        s.setCurrentKey("old");
        v.update("o");
        clock += 700;
        s.setCurrentKey("new");
        v.update("n");
        const snap = s.snapshot(1);
        const entries = snap.states.find((st) => st.name === "v")!;
        expect(entries.ttlMs).toBe(1000);
        expect(sorted(entries.entries)).toEqual(sorted([[keyGroupOf("old", MAX_PARALLELISM), "old", null, "o", T0], [keyGroupOf("new", MAX_PARALLELISM), "new", null, "n", T0 + 700]]));
        clock += 500; // "old" is now 1200 ms old, "new" 500 ms
        expect(s.snapshot(2).states.find((st) => st.name === "v")!.entries.map((e) => e[1])).toEqual(["new"]);
        const b = await store();
        b.restore([snap]);
        expect([...b.keys("v")]).toEqual(["new"]);
        const bv = b.getValueState<string>({ kind: "value", name: "v", ttl });
        b.setCurrentKey("new");
        expect(bv.value()).toBe("n");
        clock += 600; // written at T0+700, now T0+1800
        expect(bv.value()).toBeUndefined();
      });
    });

    test("keys() after restore lists exactly the restored keys", async () => {
      const a = await store();
      const v = a.getValueState<number>({ kind: "value", name: "v" });
      for (const k of ["x", "y", ["z", 1]]) {
        a.setCurrentKey(k);
        v.update(1);
      }
      const b = await store();
      b.restore([a.snapshot(1)]);
      expect(sorted(b.keys("v"))).toEqual(sorted(["x", "y", ["z", 1]]));
      expect([...b.keys("never")]).toEqual([]);
    });

    test("dispose drops everything and may be called twice", async () => {
      const s = await store();
      s.setCurrentKey("k");
      s.getValueState<number>({ kind: "value", name: "v" }).update(1);
      s.dispose();
      expect([...s.keys("v")]).toEqual([]);
      s.dispose();
    });
  });
}
