import { expect, test } from "bun:test";
import { SplitCursor } from "./split-cursor.ts";
test("interleaved cursor covers every index once, ascending, at any parallelism and across restores", () => {
  for (const count of [0, 1, 5, 127, 128, 129, 1000, 4097]) for (const p of [1, 2, 3, 7]) for (const batch of [1, 3, 64, 1024]) {
    const seen: number[] = [];
    const snaps: unknown[] = [];
    for (let s = 0; s < p; s++) {
      const c = new SplitCursor(count);
      c.assign({ subtaskIndex: s, parallelism: p } as never, 128);
      let prev = -1;
      // read about half, snapshot
      for (let r = 0; r < Math.ceil(count / p / batch / 2); r++) { const t = c.take(batch); if (!t) break; for (const i of t) { expect(i).toBeGreaterThan(prev); prev = i; seen.push(i); } }
      snaps.push(c.snapshot());
    }
    // restore at another parallelism and finish
    const q = (p % 3) + 1;
    let rest = 0;
    for (let s = 0; s < q; s++) {
      const c = new SplitCursor(count);
      c.restore(snaps);
      c.assign({ subtaskIndex: s, parallelism: q } as never, 128);
      rest += c.remaining();
      for (;;) { const t = c.take(batch); if (!t) break; seen.push(...t); }
    }
    expect(seen.toSorted((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  }
});

test("takeRun returns contiguous runs that, mixed with take, cover every index once across restores", () => {
  for (const count of [0, 1, 127, 128, 129, 1000, 4097]) for (const p of [1, 2, 3]) for (const batch of [1, 5, 300, 1024]) {
    const seen: number[] = [];
    const snaps: unknown[] = [];
    for (let s = 0; s < p; s++) {
      const c = new SplitCursor(count);
      c.assign({ subtaskIndex: s, parallelism: p } as never, 128);
      for (let r = 0; r < 3; r++) {
        const run = r % 2 === 0 ? c.takeRun(batch) : null;
        if (run !== null) {
          expect(run[1]).toBeGreaterThan(0);
          expect(run[1]).toBeLessThanOrEqual(batch);
          for (let i = run[0]; i < run[0] + run[1]; i++) seen.push(i);
        } else {
          for (const i of c.take(batch) ?? []) seen.push(i);
        }
      }
      snaps.push(c.snapshot());
    }
    for (let s = 0; s < 2; s++) {
      const c = new SplitCursor(count);
      c.restore(snaps);
      c.assign({ subtaskIndex: s, parallelism: 2 } as never, 128);
      for (let run = c.takeRun(batch); run !== null; run = c.takeRun(batch)) for (let i = run[0]; i < run[0] + run[1]; i++) seen.push(i);
    }
    expect(seen.toSorted((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  }
});
