// Frame encode/decode tests: every kind, arbitrary chunking, size limits and malformed input.
import { describe, expect, test } from "bun:test";
import { END_ELEMENT, IDLE_ELEMENT, ACTIVE_ELEMENT, NO_TIMESTAMP, type StreamElement } from "../core/index.ts";
import { NetworkError } from "./errors.ts";
import {
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameKind,
  MAX_HELLO_ID_BYTES,
  checkFrameHeader,
  decodeFrame,
  decodeHello,
  writeCreditFrame,
  writeElementFrame,
  writeHelloFrame,
  type DecodedFrame,
} from "./frame-codec.ts";
import { WriteBuffer } from "./write-buffer.ts";

const ELEMENTS: StreamElement<unknown>[] = [
  { kind: "batch", batch: { values: [1, 2, 3], timestamps: [10, 11, 12] } },
  { kind: "watermark", timestamp: 12 },
  IDLE_ELEMENT,
  ACTIVE_ELEMENT,
  { kind: "barrier", barrier: { checkpointId: 7, timestamp: 1_700_000_000_000, thenStop: true } },
  { kind: "batch", batch: { values: ["é", { a: [1] }], timestamps: [NO_TIMESTAMP, NO_TIMESTAMP] } },
  { kind: "watermark", timestamp: Number.NEGATIVE_INFINITY },
  END_ELEMENT,
];

function encodeAll(): { bytes: Uint8Array; expected: DecodedFrame[] } {
  const out = new WriteBuffer(16); // tiny, so encoding exercises growth
  const expected: DecodedFrame[] = [];
  ELEMENTS.forEach((element, i) => {
    writeElementFrame(out, i * 1000, element);
    expected.push({ type: "element", channelId: i * 1000, element });
  });
  writeCreditFrame(out, 0xffff_ffff, 4);
  expected.push({ type: "credit", channelId: 0xffff_ffff, count: 4 });
  return { bytes: out.toBytes(), expected };
}

function decodeChunks(decoder: FrameDecoder, chunks: Uint8Array[]): DecodedFrame[] {
  return chunks.flatMap((c) => decoder.push(c).map(decodeFrame));
}

describe("frame codec", () => {
  test("every kind round-trips with many frames in one chunk", () => {
    const { bytes, expected } = encodeAll();
    expect(decodeChunks(new FrameDecoder(), [bytes])).toEqual(expected);
  });

  test("frames split at every byte boundary and byte by byte", () => {
    const { bytes, expected } = encodeAll();
    for (let cut = 1; cut < bytes.length; cut++) {
      const decoder = new FrameDecoder();
      expect(decodeChunks(decoder, [bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(expected);
      expect(decoder.bufferedBytes).toBe(0);
    }
    const single = [...bytes].map((b) => new Uint8Array([b]));
    expect(decodeChunks(new FrameDecoder(), single)).toEqual(expected);
  });

  test("random chunking, with the chunk buffer reused by the caller", () => {
    const { bytes, expected } = encodeAll();
    const scratch = new Uint8Array(64);
    const decoder = new FrameDecoder();
    const got: DecodedFrame[] = [];
    for (let at = 0; at < bytes.length; ) {
      const n = Math.min(1 + Math.floor(Math.random() * 40), bytes.length - at);
      scratch.set(bytes.subarray(at, at + n));
      got.push(...decoder.push(scratch.subarray(0, n)).map(decodeFrame));
      scratch.fill(0xee);
      at += n;
    }
    expect(got).toEqual(expected);
  });

  test("an oversize length prefix fails before the body arrives", () => {
    const decoder = new FrameDecoder(1024);
    const header = new Uint8Array(FRAME_HEADER_BYTES);
    new DataView(header.buffer).setUint32(0, 1_000_000, true);
    expect(() => decoder.push(header.subarray(0, 4))).toThrow(/exceeds the 1024-byte limit/);
    // Poisoned: later input keeps failing.
    expect(() => decoder.push(new Uint8Array(1))).toThrow(NetworkError);
  });

  test("the encoder refuses a frame above the limit and leaves the buffer unchanged", () => {
    const out = new WriteBuffer();
    writeElementFrame(out, 1, IDLE_ELEMENT);
    const before = out.length;
    const big = { kind: "batch", batch: { values: new Array(1000).fill(1), timestamps: new Array(1000).fill(0) } } as const;
    expect(() => writeElementFrame(out, 2, big, 4096)).toThrow(NetworkError);
    expect(out.length).toBe(before);
  });

  test("malformed frames throw NetworkError with a reason", () => {
    const frame = (len: number, kind: number, payload: number[] = []): Uint8Array => {
      const b = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
      const v = new DataView(b.buffer);
      v.setUint32(0, len, true);
      v.setUint32(4, 3, true);
      v.setUint8(8, kind);
      b.set(payload, FRAME_HEADER_BYTES);
      return b;
    };
    expect(() => new FrameDecoder().push(frame(3, 1))).toThrow(/below the 9-byte header/);
    expect(() => new FrameDecoder().push(frame(9, 99)).map(decodeFrame)).toThrow(/unknown kind 99/);
    expect(() => new FrameDecoder().push(frame(10, 2, [1])).map(decodeFrame)).toThrow(/carries 8 payload bytes, got 1/);
    expect(() => new FrameDecoder().push(frame(13, 7, [0, 0, 0, 0])).map(decodeFrame)).toThrow(/zero credits/);
    expect(() => new FrameDecoder().push(frame(12, 1, [1, 2, 3])).map(decodeFrame)).toThrow(NetworkError);
  });

  test("random garbage yields NetworkError or nothing, never a crash", () => {
    for (let i = 0; i < 5000; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(1 + Math.floor(Math.random() * 200)));
      const decoder = new FrameDecoder(4096);
      try {
        decoder.push(bytes).forEach(decodeFrame);
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
      }
    }
  });

  test("HELLO carries a worker id, and is not a channel element", () => {
    const out = new WriteBuffer(16);
    writeHelloFrame(out, "wörker-7");
    const [frame] = new FrameDecoder().push(out.toBytes());
    expect(frame!.kind).toBe(FrameKind.HELLO);
    expect(frame!.channelId).toBe(0);
    expect(decodeHello(frame!)).toBe("wörker-7");
    expect(() => checkFrameHeader(frame!)).not.toThrow();
    expect(() => decodeFrame(frame!)).toThrow(/HELLO is a connection handshake/);
    expect(() => writeHelloFrame(out, "")).toThrow(RangeError);
    expect(() => writeHelloFrame(out, "x".repeat(MAX_HELLO_ID_BYTES + 1))).toThrow(RangeError);
    const badUtf8 = { channelId: 0, kind: FrameKind.HELLO, payload: new Uint8Array([0xff, 0xfe]) };
    expect(() => decodeHello(badUtf8)).toThrow(/not UTF-8/);
    expect(() => decodeHello({ channelId: 0, kind: FrameKind.HELLO, payload: new Uint8Array(MAX_HELLO_ID_BYTES + 1).fill(97) })).toThrow(NetworkError);
    expect(() => decodeHello({ channelId: 3, kind: FrameKind.END, payload: new Uint8Array(0) })).toThrow(/expected a HELLO frame/);
  });

  test("checkFrameHeader rejects unknown kinds and wrong fixed sizes without decoding payloads", () => {
    expect(() => checkFrameHeader({ channelId: 1, kind: 0, payload: new Uint8Array(0) })).toThrow(/unknown kind 0/);
    expect(() => checkFrameHeader({ channelId: 1, kind: 9, payload: new Uint8Array(0) })).toThrow(/unknown kind 9/);
    expect(() => checkFrameHeader({ channelId: 1, kind: FrameKind.CREDIT, payload: new Uint8Array(3) })).toThrow(/carries 4 payload bytes/);
    // DATA payloads are not looked at.
    expect(() => checkFrameHeader({ channelId: 1, kind: FrameKind.DATA, payload: new Uint8Array([9, 9, 9]) })).not.toThrow();
  });
});
