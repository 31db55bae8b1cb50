/**
 * The dashboard's Rates (src/web/dashboard/rates.ts): records/s over a window of samples, smoothing counters that arrive with heartbeats.
 */
import { describe, expect, test } from "bun:test";
import { Rates } from "../../src/web/dashboard/rates.ts";

describe("Rates", () => {
  test("the first sample of a key is 0; then the increase per second since the window's start", () => {
    const r = new Rates();
    expect(r.sample("a", 100, 1000)).toBe(0);
    expect(r.sample("a", 300, 2000)).toBe(200);
    expect(r.sample("a", 300, 3000)).toBe(100); // no new heartbeat yet: 200 over 2 s, not 0
    expect(r.sample("a", 700, 4000)).toBeCloseTo(200);
  });

  test("the window slides: old samples stop counting after 5 s", () => {
    const r = new Rates();
    r.sample("a", 0, 0);
    for (let t = 1000; t <= 5000; t += 1000) r.sample("a", t * 10, t); // 10,000/s for 5 s
    expect(r.sample("a", 50_000, 10_000)).toBe(0); // flat for the last 5 s
  });

  test("a counter that goes down (a restarted task) restarts its window, never a negative rate", () => {
    const r = new Rates();
    r.sample("a", 1000, 0);
    r.sample("a", 2000, 1000);
    expect(r.sample("a", 10, 2000)).toBe(0);
    expect(r.sample("a", 510, 3000)).toBe(500);
  });

  test("retain forgets keys that went away", () => {
    const r = new Rates();
    r.sample("a", 100, 0);
    r.sample("b", 100, 0);
    r.retain(new Set(["b"]));
    expect(r.sample("a", 200, 1000)).toBe(0);
    expect(r.sample("b", 200, 1000)).toBe(100);
  });
});
