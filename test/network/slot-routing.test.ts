// Slot thread A -> worker main thread (FrameRouter) -> slot thread B, over real MessageChannels: each slot
// runs a ChannelConnection on a PortSocket, the main thread only routes whole frames.
import { afterEach, describe, expect, test } from "bun:test";
import type { StreamElement } from "../../src/core/index.ts";
import { FrameRouter, type NetworkError, PortSocket, isFramesMessage } from "../../src/network/index.ts";
import { batchOf, consume, produce, until } from "./loopback-helpers.ts";
import { type SimulatedSlot, simulateSlot } from "./frame-helpers.ts";

const slots: SimulatedSlot[] = [];
afterEach(() => {
  for (const s of slots.splice(0)) s.close();
});

function streamOf(batches: number): StreamElement<number>[] {
  const out: StreamElement<number>[] = [];
  for (let b = 0; b < batches; b++) {
    out.push(batchOf([b, b * 2], b));
    if (b % 4 === 0) out.push({ kind: "watermark", timestamp: b });
    if (b === 10) out.push({ kind: "barrier", barrier: { checkpointId: 3, timestamp: 99, thenStop: false } });
  }
  out.push({ kind: "end" });
  return out;
}

function setup(): { router: FrameRouter; a: SimulatedSlot; b: SimulatedSlot; failed: [number[], NetworkError][] } {
  const failed: [number[], NetworkError][] = [];
  const router = new FrameRouter({ name: "test worker", onChannelsFailed: (ids, error) => failed.push([ids, error]) });
  const a = simulateSlot(router, "slot:0");
  const b = simulateSlot(router, "slot:1");
  slots.push(a, b);
  return { router, a, b, failed };
}

describe("PortSocket", () => {
  test("posts a transferred copy per write and one frames-end", () => {
    const posted: { message: unknown; transfer: unknown[] }[] = [];
    const socket = new PortSocket({ postMessage: (message, transfer) => posted.push({ message, transfer }) });
    const bytes = new Uint8Array([1, 2, 3, 4]);
    expect(socket.write(bytes.subarray(1))).toBe(3);
    bytes.fill(0); // the caller reuses its buffer
    const first = posted[0]!.message;
    expect(isFramesMessage(first)).toBe(true);
    if (!isFramesMessage(first)) return;
    expect([...new Uint8Array(first.bytes)]).toEqual([2, 3, 4]);
    expect(posted[0]!.transfer).toEqual([first.bytes]);
    socket.end();
    socket.end();
    expect(posted.map((p) => p.message)).toEqual([first, { type: "frames-end" }]);
    expect(socket.write(bytes)).toBe(-1);
    expect(isFramesMessage({ type: "frames", bytes: "x" })).toBe(false);
  });
});

describe("slot -> router -> slot over MessageChannels", () => {
  test("batches, watermarks, barriers and end arrive in order, with credits flowing back", async () => {
    const { router, a, b, failed } = setup();
    router.setRoute(7, { producer: "slot:0", consumer: "slot:1" });
    router.setRoute(8, { producer: "slot:1", consumer: "slot:0" }); // the other direction at once
    const forward = streamOf(60);
    const backward = streamOf(25);
    const inB = b.connection.inputChannel<number>(7, 2);
    const inA = a.connection.inputChannel<number>(8, 3);
    const [gotB, gotA] = await Promise.all([
      consume(inB),
      consume(inA),
      produce(a.connection.outputChannel<number>(7), forward),
      produce(b.connection.outputChannel<number>(8), backward),
    ]);
    expect(gotB).toEqual(forward);
    expect(gotA).toEqual(backward);
    expect(inB.highWater).toBeLessThanOrEqual(2);
    expect(inA.highWater).toBeLessThanOrEqual(3);
    expect(router.stats.pendingBytes).toBe(0);
    expect(failed).toEqual([]);
  }, 20_000);

  test("frames sent before the route exists are held, then delivered in order", async () => {
    const { router, a, b } = setup();
    // The consumer opens (its CREDIT frame is held) and the producer sends control events, all before setRoute.
    const input = b.connection.inputChannel<number>(3, 2);
    const out = a.connection.outputChannel<number>(3);
    out.push({ kind: "watermark", timestamp: 1 });
    out.push({ kind: "idle" });
    await until(() => router.stats.pendingFrames === 3, 5_000, "3 held frames");
    expect(out.hasCredit()).toBe(false);
    router.setRoute(3, { producer: "slot:0", consumer: "slot:1" });
    const expected: StreamElement<number>[] = [{ kind: "watermark", timestamp: 1 }, { kind: "idle" }, ...streamOf(5)];
    const [got] = await Promise.all([consume(input), produce(out, streamOf(5))]);
    expect(got).toEqual(expected);
  }, 20_000);

  test("the producer stops when out of credit: at most capacity batches queue at the consumer", async () => {
    const { router, a, b } = setup();
    router.setRoute(5, { producer: "slot:0", consumer: "slot:1" });
    const input = b.connection.inputChannel<number>(5, 3);
    const out = a.connection.outputChannel<number>(5);
    await until(() => out.hasCredit(), 5_000, "initial credit");
    let pushed = 0;
    while (out.hasCredit()) {
      out.push(batchOf([pushed], 0));
      pushed++;
    }
    expect(pushed).toBe(3);
    await until(() => input.backlog === 3, 5_000, "3 queued batches");
    await Bun.sleep(20);
    expect(out.hasCredit()).toBe(false);
    expect(input.highWater).toBe(3);
    // Polling one batch returns one credit through the router.
    expect(input.poll()?.kind).toBe("batch");
    await until(() => out.hasCredit(), 5_000, "returned credit");
    expect(out.availableCredits).toBe(1);
  }, 20_000);
});
