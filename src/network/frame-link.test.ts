// FrameLink unit tests with a fake socket: coalesced writes, in-place encoding (sendWith, beforeFlush), partial
// writes and drain, close, malformed input.
import { describe, expect, test } from "bun:test";
import { NetworkError, type NetworkErrorCode } from "./errors.ts";
import { FRAME_HEADER_BYTES, type Frame, FrameDecoder, wholeFrameBytes, writeCreditFrame, writeElementFrame } from "./frame-codec.ts";
import { FrameLink } from "./frame-link.ts";
import { WriteBuffer } from "./write-buffer.ts";

/** Takes at most `budget` bytes per write (Bun drops the rest), records what it took. */
class FakeSocket {
  budget = Number.POSITIVE_INFINITY;
  writes = 0;
  ends = 0;
  private readonly taken = new WriteBuffer();
  write(bytes: Uint8Array): number {
    this.writes++;
    if (this.ends > 0) return -1;
    const n = Math.min(bytes.length, this.budget);
    this.budget -= n;
    this.taken.raw(bytes.subarray(0, n));
    return n;
  }
  /** Called on end(), e.g. to close synchronously like Bun can. */
  onEnd: () => void = () => {};
  end(): void {
    this.ends++;
    this.onEnd();
  }
  get bytes(): Uint8Array {
    return this.taken.toBytes();
  }
}

function encodeWatermarks(n: number, channelId = 1): Uint8Array {
  const out = new WriteBuffer();
  for (let i = 0; i < n; i++) writeElementFrame(out, channelId, { kind: "watermark", timestamp: i });
  return out.toBytes();
}

function splitFrames(bytes: Uint8Array): Uint8Array[] {
  return new FrameDecoder().push(bytes).map((f) => wholeFrameBytes(f).slice());
}

function newLink(socket: FakeSocket, maxFrameBytes?: number) {
  const frames: { frame: Frame; bytes: Uint8Array }[] = [];
  const closes: (NetworkError | null)[] = [];
  const link = new FrameLink(socket, {
    name: "test link",
    ...(maxFrameBytes === undefined ? {} : { maxFrameBytes }),
    onFrame: (frame, bytes) => frames.push({ frame: { ...frame, payload: frame.payload.slice() }, bytes: bytes.slice() }),
    onClose: (error) => closes.push(error),
  });
  return { link, frames, closes };
}

describe("FrameLink", () => {
  test("coalesces many frames into one write per tick", async () => {
    const socket = new FakeSocket();
    const { link } = newLink(socket);
    const all = encodeWatermarks(1000);
    for (const f of splitFrames(all)) link.send(f);
    expect(socket.writes).toBe(0);
    await Promise.resolve();
    expect(socket.writes).toBe(1);
    expect(socket.bytes).toEqual(all);
    expect(link.stats).toMatchObject({ framesSent: 1000, writes: 1, bytesSent: all.length });
  });

  test("sendWith encodes in place; beforeFlush adds held-back frames to the same write", async () => {
    const socket = new FakeSocket();
    let credits = 0;
    const link = new FrameLink(socket, {
      name: "test link",
      onFrame: () => {},
      onClose: () => {},
      beforeFlush: (out) => {
        if (credits === 0) return 0;
        writeCreditFrame(out, 4, credits);
        credits = 0;
        return 1;
      },
    });
    const n = link.sendWith(writeElementFrame, 3, { kind: "watermark", timestamp: 7 });
    expect(n).toBe(FRAME_HEADER_BYTES + 8);
    credits = 5;
    await Promise.resolve();
    expect(socket.writes).toBe(1);
    const expected = new WriteBuffer();
    writeElementFrame(expected, 3, { kind: "watermark", timestamp: 7 });
    writeCreditFrame(expected, 4, 5);
    expect(socket.bytes).toEqual(expected.toBytes());
    expect(link.stats.framesSent).toBe(2);
    // requestFlush flushes what beforeFlush holds without any frame queued.
    credits = 2;
    link.requestFlush();
    await Promise.resolve();
    expect(socket.writes).toBe(2);
    writeCreditFrame(expected, 4, 2);
    expect(socket.bytes).toEqual(expected.toBytes());
  });

  test("sendWith queues nothing when the encoder throws or writes anything but one whole frame", async () => {
    const socket = new FakeSocket();
    const { link } = newLink(socket);
    expect(() => link.sendWith(writeElementFrame, -1, { kind: "end" })).toThrow(RangeError);
    expect(() => link.sendWith((out: WriteBuffer) => out.u32(12345), 0, 0)).toThrow(/exactly one whole frame/);
    expect(() => link.sendWith((out: WriteBuffer) => { writeCreditFrame(out, 1, 1); writeCreditFrame(out, 2, 1); }, 0, 0)).toThrow(RangeError);
    expect(link.bufferedBytes).toBe(0);
    link.close();
    expect(link.sendWith(writeElementFrame, 1, { kind: "end" })).toBe(0);
    await Promise.resolve();
    expect(socket.writes).toBe(0);
  });

  test("partial writes wait for drain, then the rest goes out in order", async () => {
    const socket = new FakeSocket();
    socket.budget = 100;
    const { link } = newLink(socket);
    const all = encodeWatermarks(500);
    const frames = splitFrames(all);
    for (const f of frames.slice(0, 250)) link.send(f);
    await Promise.resolve();
    expect(socket.writes).toBe(1);
    for (const f of frames.slice(250)) link.send(f);
    await Promise.resolve();
    expect(socket.writes).toBe(1); // still waiting for drain: no busy writes
    expect(link.bufferedBytes).toBe(all.length - 100);
    socket.budget = Number.POSITIVE_INFINITY;
    link.handleDrain();
    expect(socket.writes).toBe(2);
    expect(socket.bytes).toEqual(all);
    expect(link.bufferedBytes).toBe(0);
  });

  test("past 256 KB queued, send writes at once", () => {
    const socket = new FakeSocket();
    const { link } = newLink(socket);
    const big = new WriteBuffer();
    writeElementFrame(big, 2, { kind: "batch", batch: { values: new Array(40_000).fill(1.5), timestamps: new Array(40_000).fill(0) } });
    link.send(big.toBytes()); // > 256 KB on its own
    expect(socket.writes).toBe(1);
  });

  test("received frames reach onFrame whole, across arbitrary chunking", () => {
    const socket = new FakeSocket();
    const { link, frames, closes } = newLink(socket);
    const out = new WriteBuffer();
    writeElementFrame(out, 3, { kind: "batch", batch: { values: ["a", "b"], timestamps: [1, 2] } });
    writeCreditFrame(out, 4, 9);
    writeElementFrame(out, 3, { kind: "end" });
    const all = out.toBytes();
    for (let at = 0; at < all.length; at += 5) link.handleData(all.slice(at, at + 5));
    expect(frames.map((f) => [f.frame.channelId, f.frame.kind])).toEqual([[3, 1], [4, 7], [3, 6]]);
    const rejoined = new WriteBuffer();
    for (const f of frames) rejoined.raw(f.bytes);
    expect(rejoined.toBytes()).toEqual(all);
    expect(link.stats.framesReceived).toBe(3);
    expect(closes).toEqual([]);
  });

  test("close flushes, then ends; onClose(null) once", async () => {
    const socket = new FakeSocket();
    socket.budget = 10;
    const { link, closes } = newLink(socket);
    for (const f of splitFrames(encodeWatermarks(3))) link.send(f);
    link.close();
    expect(socket.ends).toBe(0); // still flushing
    socket.budget = Number.POSITIVE_INFINITY;
    link.handleDrain();
    expect(socket.ends).toBe(1);
    expect(socket.bytes).toEqual(encodeWatermarks(3));
    link.handleClose();
    link.handleClose();
    expect(closes).toEqual([null]);
  });

  test("a close by the peer reports CONNECTION_CLOSED", () => {
    const { link, closes } = newLink(new FakeSocket());
    link.handleClose();
    expect(closes.length).toBe(1);
    expect(closes[0]?.code).toBe("CONNECTION_CLOSED");
  });

  const header = (length: number, kind: number, payload = 0): Uint8Array => {
    const b = new Uint8Array(FRAME_HEADER_BYTES + payload);
    const v = new DataView(b.buffer);
    v.setUint32(0, length, true);
    v.setUint32(4, 5, true);
    v.setUint8(8, kind);
    return b;
  };

  const malformed: [string, Uint8Array, NetworkErrorCode][] = [
    ["garbage", new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "FRAME_TOO_LARGE"],
    ["a length below the header", header(4, 1), "FRAME_MALFORMED"],
    ["an oversize length", header(5000, 1), "FRAME_TOO_LARGE"],
    ["an unknown kind", header(FRAME_HEADER_BYTES, 42), "FRAME_MALFORMED"],
    ["a wrong fixed payload size", header(FRAME_HEADER_BYTES + 3, 2, 3), "FRAME_MALFORMED"],
  ];
  for (const [what, bytes, code] of malformed) {
    test(`${what} fails the link once, without throwing`, () => {
      const socket = new FakeSocket();
      const { link, frames, closes } = newLink(socket, 1024);
      socket.onEnd = () => link.handleClose(); // the socket closes synchronously on end
      link.send(splitFrames(encodeWatermarks(1))[0]!); // queued output is dropped on failure
      const good = encodeWatermarks(2, 8);
      expect(() => link.handleData(good)).not.toThrow();
      expect(() => link.handleData(bytes)).not.toThrow();
      expect(() => link.handleData(good)).not.toThrow(); // ignored after the failure
      link.handleClose();
      expect(frames.length).toBe(2);
      expect(closes.length).toBe(1);
      expect(closes[0]).toBeInstanceOf(NetworkError);
      expect(closes[0]?.code).toBe(code);
      expect(closes[0]?.message).toContain("test link");
      expect(socket.ends).toBe(1);
      expect(link.error).toBe(closes[0]!);
      link.send(splitFrames(encodeWatermarks(1))[0]!); // dropped, no throw
      expect(socket.writes).toBe(0);
    });
  }

  test("an onFrame handler that throws fails the link instead of escaping", () => {
    const socket = new FakeSocket();
    const closes: (NetworkError | null)[] = [];
    const link = new FrameLink(socket, {
      name: "throwing",
      onFrame: () => {
        throw new Error("router bug");
      },
      onClose: (error) => closes.push(error),
    });
    expect(() => link.handleData(encodeWatermarks(2))).not.toThrow();
    expect(closes.length).toBe(1);
    expect(closes[0]?.message).toContain("router bug");
  });
});
