/** Tests of watermark merging over inputs: minimum, monotonicity, idleness, ended inputs. */
import { describe, expect, test } from "bun:test";
import { WatermarkValve } from "./watermark-valve.ts";

describe("WatermarkValve", () => {
  test("the task watermark is the minimum over inputs and only advances", () => {
    const v = new WatermarkValve(2);
    expect(v.inputWatermark(0, 10)).toBeNull(); // input 1 still at -inf
    expect(v.inputWatermark(1, 5)).toBe(5);
    expect(v.inputWatermark(1, 20)).toBe(10);
    expect(v.inputWatermark(0, 8)).toBeNull(); // going backwards is ignored
    expect(v.inputWatermark(0, 30)).toBe(20);
    expect(v.watermark).toBe(20);
  });

  test("an idle input does not hold the watermark back", () => {
    const v = new WatermarkValve(2);
    v.inputWatermark(0, 100);
    expect(v.inputStatus(1, true)).toEqual([{ kind: "watermark", timestamp: 100 }]);
    expect(v.inputWatermark(0, 200)).toBe(200);
  });

  test("all inputs idle makes the task idle; one active input makes it active again", () => {
    const v = new WatermarkValve(2);
    expect(v.inputStatus(0, true)).toEqual([]);
    expect(v.inputStatus(1, true)).toEqual([{ kind: "idle" }]);
    expect(v.inputStatus(0, false)).toEqual([{ kind: "active" }]);
  });

  test("when the last active input goes idle, the largest watermark of any input is emitted", () => {
    const v = new WatermarkValve(2);
    v.inputWatermark(0, 80);
    expect(v.inputStatus(0, true)).toEqual([]); // input 1 (at -inf) still active
    expect(v.inputStatus(1, true)).toEqual([{ kind: "watermark", timestamp: 80 }, { kind: "idle" }]);
  });

  test("a re-activated input below the watermark cannot pull it back", () => {
    const v = new WatermarkValve(2);
    v.inputWatermark(0, 50);
    v.inputStatus(1, true);
    expect(v.watermark).toBe(50);
    v.inputStatus(1, false); // input 1 is at -inf
    expect(v.inputWatermark(0, 60)).toBeNull();
    expect(v.watermark).toBe(50);
    expect(v.inputWatermark(1, 70)).toBe(60);
  });

  test("an ended input counts as +inf", () => {
    const v = new WatermarkValve(2);
    v.inputWatermark(0, 7);
    expect(v.inputEnded(1)).toBe(7);
    expect(v.inputEnded(0)).toBe(Number.POSITIVE_INFINITY);
  });
});
