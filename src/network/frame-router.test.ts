// FrameRouter unit tests with recording links: directions, holding, link loss, retirement, overflow.
import { describe, expect, test } from "bun:test";
import type { StreamElement } from "../core/index.ts";
import { NetworkError } from "./errors.ts";
import { type Frame, FrameDecoder, FrameKind, wholeFrameBytes, writeCreditFrame, writeElementFrame, writeHelloFrame } from "./frame-codec.ts";
import { FrameRouter } from "./frame-router.ts";
import { WriteBuffer } from "./write-buffer.ts";

function frameOf(channelId: number, what: StreamElement<unknown> | { credit: number } | { hello: string }): { frame: Frame; bytes: Uint8Array } {
  const out = new WriteBuffer(64);
  if ("credit" in what) writeCreditFrame(out, channelId, what.credit);
  else if ("hello" in what) writeHelloFrame(out, what.hello);
  else writeElementFrame(out, channelId, what);
  const [frame] = new FrameDecoder().push(out.toBytes());
  return { frame: frame!, bytes: wholeFrameBytes(frame!) };
}

const wm = (t: number) => frameOf(1, { kind: "watermark", timestamp: t });

/** A link that records what it was sent as [channelId, kind, first payload f64 or u32]. */
class RecordingLink {
  readonly got: Uint8Array[] = [];
  send(bytes: Uint8Array): void {
    this.got.push(bytes.slice());
  }
  /** Decoded summary of each frame: "kind#channel(:value)". */
  summary(): string[] {
    return this.got.map((b) => {
      const v = new DataView(b.buffer);
      const kind = v.getUint8(8);
      const value = kind === FrameKind.WATERMARK ? `:${v.getFloat64(9, true)}` : kind === FrameKind.CREDIT ? `:${v.getUint32(9, true)}` : "";
      return `${kind}#${v.getUint32(4, true)}${value}`;
    });
  }
}

function route(router: FrameRouter, from: string, channelId: number, what: StreamElement<unknown> | { credit: number }): void {
  const { frame, bytes } = frameOf(channelId, what);
  router.route(from, frame, bytes);
}

function setup(options: { maxPendingBytes?: number; maxRetiredChannels?: number } = {}) {
  const failed: { ids: number[]; error: NetworkError }[] = [];
  const router = new FrameRouter({ name: "test router", ...options, onChannelsFailed: (ids, error) => failed.push({ ids, error }) });
  return { router, failed };
}

describe("FrameRouter", () => {
  test("element frames go producer -> consumer, credits consumer -> producer", () => {
    const { router } = setup();
    const p = new RecordingLink();
    const c = new RecordingLink();
    router.addLink("slot:0", p);
    router.addLink("worker:w-2", c);
    router.setRoute(4, { producer: "slot:0", consumer: "worker:w-2" });
    route(router, "slot:0", 4, { kind: "watermark", timestamp: 5 });
    route(router, "worker:w-2", 4, { credit: 2 });
    route(router, "slot:0", 4, { kind: "end" });
    expect(c.summary()).toEqual([`${FrameKind.WATERMARK}#4:5`, `${FrameKind.END}#4`]);
    expect(p.summary()).toEqual([`${FrameKind.CREDIT}#4:2`]);
    expect(router.stats).toMatchObject({ framesRouted: 3, framesDropped: 0, pendingBytes: 0 });
  });

  test("frames before setRoute are held (copied), then delivered in order before newer ones", () => {
    const { router } = setup();
    const c = new RecordingLink();
    router.addLink("slot:1", c);
    router.addLink("slot:0", new RecordingLink());
    const first = frameOf(9, { kind: "watermark", timestamp: 1 });
    router.route("slot:0", first.frame, first.bytes);
    first.bytes.fill(0); // the link reuses its buffer after the callback
    route(router, "slot:0", 9, { kind: "watermark", timestamp: 2 });
    expect(c.got).toEqual([]);
    expect(router.stats.pendingFrames).toBe(2);
    router.setRoute(9, { producer: "slot:0", consumer: "slot:1" });
    route(router, "slot:0", 9, { kind: "watermark", timestamp: 3 });
    expect(c.summary()).toEqual([1, 2, 3].map((t) => `${FrameKind.WATERMARK}#9:${t}`));
    expect(router.stats.pendingBytes).toBe(0);
  });

  test("frames for an endpoint without a link are held until addLink, in order", () => {
    const { router } = setup();
    router.setRoute(1, { producer: "slot:0", consumer: "worker:w-3" });
    router.setRoute(2, { producer: "slot:0", consumer: "worker:w-3" });
    route(router, "slot:0", 1, { kind: "watermark", timestamp: 1 });
    route(router, "slot:0", 2, { kind: "watermark", timestamp: 2 });
    route(router, "slot:0", 1, { kind: "watermark", timestamp: 3 });
    expect(router.stats.pendingFrames).toBe(3);
    const link = new RecordingLink();
    router.addLink("worker:w-3", link);
    route(router, "slot:0", 1, { kind: "end" });
    expect(link.summary()).toEqual([`${FrameKind.WATERMARK}#1:1`, `${FrameKind.WATERMARK}#2:2`, `${FrameKind.WATERMARK}#1:3`, `${FrameKind.END}#1`]);
    expect(router.stats.pendingBytes).toBe(0);
  });

  test("removeLink reports exactly the channels through that endpoint and drops their held frames", () => {
    const { router, failed } = setup();
    for (const e of ["slot:0", "slot:1"]) router.addLink(e, new RecordingLink());
    router.setRoute(10, { producer: "slot:0", consumer: "worker:w-2" }); // held for w-2's link
    router.setRoute(11, { producer: "worker:w-2", consumer: "slot:1" });
    router.setRoute(12, { producer: "slot:0", consumer: "slot:1" }); // unaffected
    route(router, "slot:0", 10, { kind: "idle" });
    route(router, "worker:w-2", 13, { kind: "idle" }); // no route yet, from the lost endpoint
    route(router, "slot:1", 14, { kind: "idle" }); // no route yet, from elsewhere
    const error = new NetworkError("peer w-2 went away", "CONNECTION_CLOSED");
    router.removeLink("worker:w-2", error);
    expect(failed).toEqual([{ ids: [10, 11, 13], error }]);
    expect(router.stats.pendingFrames).toBe(1); // channel 14's frame only
    // The failed channels are retired: late frames are dropped, even if the endpoint comes back.
    const back = new RecordingLink();
    router.addLink("worker:w-2", back);
    route(router, "slot:0", 10, { kind: "end" });
    expect(back.got).toEqual([]);
    // The unaffected channel still flows.
    route(router, "slot:0", 12, { kind: "end" });
    expect(router.stats.framesRouted).toBe(1);
  });

  test("frames of retired channels are dropped silently; the retired set is bounded", () => {
    const { router, failed } = setup({ maxRetiredChannels: 2 });
    const c = new RecordingLink();
    router.addLink("a", new RecordingLink());
    router.addLink("b", c);
    router.setRoute(1, { producer: "a", consumer: "b" });
    route(router, "a", 1, { kind: "idle" });
    router.removeRoutes([1]);
    route(router, "a", 1, { kind: "end" });
    route(router, "b", 1, { credit: 1 });
    expect(c.got.length).toBe(1);
    expect(router.stats).toMatchObject({ framesDropped: 2, pendingFrames: 0 });
    // Retiring 2 and 3 evicts 1 (the oldest): its frames are held again, waiting for a route.
    router.removeRoutes([2, 3]);
    route(router, "a", 1, { kind: "end" });
    expect(router.stats.pendingFrames).toBe(1);
    // setRoute revives a retired id.
    router.setRoute(3, { producer: "a", consumer: "b" });
    route(router, "a", 3, { kind: "end" });
    expect(c.got.length).toBe(2);
    expect(failed).toEqual([]);
  });

  test("beyond maxPendingBytes the channels holding frames fail with ROUTING_OVERFLOW and are dropped", () => {
    const frameBytes = wm(0).bytes.length; // 17
    const { router, failed } = setup({ maxPendingBytes: frameBytes * 3 });
    router.setRoute(1, { producer: "a", consumer: "gone" });
    route(router, "a", 1, { kind: "watermark", timestamp: 1 });
    route(router, "a", 2, { kind: "watermark", timestamp: 2 }); // no route
    route(router, "a", 2, { kind: "watermark", timestamp: 3 });
    expect(failed).toEqual([]);
    route(router, "a", 1, { kind: "watermark", timestamp: 4 });
    expect(failed.length).toBe(1);
    expect(failed[0]!.ids).toEqual([1, 2]);
    expect(failed[0]!.error).toBeInstanceOf(NetworkError);
    expect(failed[0]!.error.code).toBe("ROUTING_OVERFLOW");
    expect(router.stats.pendingBytes).toBe(0);
    // Dropped: nothing is delivered once the link appears, and later frames are discarded.
    const link = new RecordingLink();
    router.addLink("gone", link);
    route(router, "a", 1, { kind: "end" });
    expect(link.got).toEqual([]);
  });

  test("a frame from the wrong endpoint for its direction is dropped, not routed", () => {
    const { router } = setup();
    const p = new RecordingLink();
    const c = new RecordingLink();
    router.addLink("p", p);
    router.addLink("c", c);
    router.addLink("x", new RecordingLink());
    router.setRoute(6, { producer: "p", consumer: "c" });
    route(router, "c", 6, { kind: "watermark", timestamp: 1 }); // element from the consumer
    route(router, "p", 6, { credit: 1 }); // credit from the producer
    route(router, "x", 6, { kind: "end" }); // from a stranger
    // Held before the route, checked when it is set.
    route(router, "x", 7, { kind: "end" });
    router.setRoute(7, { producer: "p", consumer: "c" });
    const hello = frameOf(0, { hello: "w-9" });
    router.route("p", hello.frame, hello.bytes); // a handshake is never routed
    expect(p.got).toEqual([]);
    expect(c.got).toEqual([]);
    expect(router.stats.framesDropped).toBe(5);
    route(router, "p", 6, { kind: "end" });
    expect(c.got.length).toBe(1);
  });
});
