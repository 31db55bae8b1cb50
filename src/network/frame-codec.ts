/**
 * @module network/frame-codec
 * Length-prefixed binary frames of the data plane and an incremental decoder for TCP byte streams.
 *
 *   [u32 totalLength][u32 channelId][u8 kind][payload …]   (little-endian; totalLength counts the header)
 *
 * Kinds 1-7 carry one channel's elements and credits. Kind 8, HELLO, is a connection handshake: the
 * first frame on a TCP connection between two workers, with channel id 0 and the sender's worker id as
 * UTF-8 (1 to 1024 bytes). It belongs to no channel, so decodeFrame() rejects it; peer-transport.ts
 * consumes it. Routers check frames with checkFrameHeader() (kind and fixed payload size, no decoding).
 */
import type { StreamElement } from "../core/index.ts";
import { decodeBatch, encodeBatch } from "./batch-serializer.ts";
import { NetworkError } from "./errors.ts";
import type { WriteBuffer } from "./write-buffer.ts";

/** Header bytes: total length (4) + channel id (4) + kind (1). */
export const FRAME_HEADER_BYTES = 9;
/** Default cap on one frame; a larger length prefix is treated as a malformed stream. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Largest channel id: it travels as a u32. */
export const MAX_CHANNEL_ID = 0xffff_ffff;

/** Frame kinds on the wire. */
export const FrameKind = {
  DATA: 1,
  WATERMARK: 2,
  IDLE: 3,
  ACTIVE: 4,
  BARRIER: 5,
  END: 6,
  CREDIT: 7,
  HELLO: 8,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Most UTF-8 bytes of the worker id in a HELLO frame. */
export const MAX_HELLO_ID_BYTES = 1024;

/** Payload sizes of the fixed-size kinds (DATA and HELLO are variable). */
const FIXED_PAYLOAD: Readonly<Record<number, number>> = {
  [FrameKind.WATERMARK]: 8,
  [FrameKind.IDLE]: 0,
  [FrameKind.ACTIVE]: 0,
  [FrameKind.BARRIER]: 17, // checkpointId f64, timestamp f64, thenStop u8
  [FrameKind.END]: 0,
  [FrameKind.CREDIT]: 4,
};

/** One undecoded frame. `payload` may view the chunk passed to `FrameDecoder.push`: use it before the next push. */
export interface Frame {
  readonly channelId: number;
  readonly kind: number;
  readonly payload: Uint8Array;
}

/** A frame turned into what it carries. */
export type DecodedFrame =
  | { readonly type: "element"; readonly channelId: number; readonly element: StreamElement<unknown> }
  | { readonly type: "credit"; readonly channelId: number; readonly count: number };

function checkChannelId(channelId: number): void {
  if (!Number.isInteger(channelId) || channelId < 0 || channelId > MAX_CHANNEL_ID) {
    throw new RangeError(`channel id ${channelId} is not a u32`);
  }
}

function beginFrame(out: WriteBuffer, channelId: number, kind: FrameKind): number {
  checkChannelId(channelId);
  const mark = out.mark();
  out.ensure(FRAME_HEADER_BYTES);
  out.u32(0); // patched by endFrame
  out.u32(channelId);
  out.u8(kind);
  return mark;
}

function endFrame(out: WriteBuffer, mark: number, maxFrameBytes: number, channelId: number): void {
  const total = out.mark() - mark;
  if (total > maxFrameBytes) {
    out.truncate(mark);
    throw new NetworkError(
      `frame of ${total} bytes on channel ${channelId} exceeds the ${maxFrameBytes}-byte limit; use smaller batches`,
      "FRAME_TOO_LARGE",
    );
  }
  out.view.setUint32(out.offsetOf(mark), total, true);
}

/** Append the frame carrying `element` on `channelId`. On an encode error nothing is appended. */
export function writeElementFrame(
  out: WriteBuffer,
  channelId: number,
  element: StreamElement<unknown>,
  maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
): void {
  switch (element.kind) {
    case "batch": {
      const mark = beginFrame(out, channelId, FrameKind.DATA);
      try {
        encodeBatch(element.batch, out);
      } catch (error) {
        out.truncate(mark);
        throw error;
      }
      endFrame(out, mark, maxFrameBytes, channelId);
      return;
    }
    case "watermark": {
      const mark = beginFrame(out, channelId, FrameKind.WATERMARK);
      out.f64(element.timestamp);
      endFrame(out, mark, maxFrameBytes, channelId);
      return;
    }
    case "barrier": {
      const mark = beginFrame(out, channelId, FrameKind.BARRIER);
      out.f64(element.barrier.checkpointId);
      out.f64(element.barrier.timestamp);
      out.u8(element.barrier.thenStop ? 1 : 0);
      endFrame(out, mark, maxFrameBytes, channelId);
      return;
    }
    case "idle":
    case "active":
    case "end": {
      const kind = element.kind === "idle" ? FrameKind.IDLE : element.kind === "active" ? FrameKind.ACTIVE : FrameKind.END;
      endFrame(out, beginFrame(out, channelId, kind), maxFrameBytes, channelId);
      return;
    }
  }
}

/** Append a CREDIT frame granting `count` more data batches on `channelId`. */
export function writeCreditFrame(out: WriteBuffer, channelId: number, count: number): void {
  const mark = beginFrame(out, channelId, FrameKind.CREDIT);
  out.u32(count);
  endFrame(out, mark, Number.MAX_SAFE_INTEGER, channelId);
}

/** Append the HELLO frame announcing `workerId` (1 to MAX_HELLO_ID_BYTES UTF-8 bytes) on channel 0. */
export function writeHelloFrame(out: WriteBuffer, workerId: string): void {
  const id = new TextEncoder().encode(workerId);
  if (id.length === 0 || id.length > MAX_HELLO_ID_BYTES) {
    throw new RangeError(`worker id of ${id.length} UTF-8 bytes does not fit a HELLO frame (1 to ${MAX_HELLO_ID_BYTES})`);
  }
  const mark = beginFrame(out, 0, FrameKind.HELLO);
  out.raw(id);
  endFrame(out, mark, Number.MAX_SAFE_INTEGER, 0);
}

const HELLO_DECODER = new TextDecoder("utf-8", { fatal: true });

/** The worker id of a HELLO frame. Throws NetworkError if the frame is not a well-formed HELLO. */
export function decodeHello(frame: Frame): string {
  if (frame.kind !== FrameKind.HELLO) throw new NetworkError(`expected a HELLO frame, got kind ${frame.kind} on channel ${frame.channelId}`, "HANDSHAKE_FAILED");
  const n = frame.payload.length;
  if (n === 0 || n > MAX_HELLO_ID_BYTES) throw new NetworkError(`malformed HELLO frame: worker id of ${n} bytes (1 to ${MAX_HELLO_ID_BYTES})`, "HANDSHAKE_FAILED");
  try {
    return HELLO_DECODER.decode(frame.payload);
  } catch (error) {
    throw new NetworkError("malformed HELLO frame: worker id is not UTF-8", "HANDSHAKE_FAILED", error);
  }
}

/** True for the kinds this codec knows (DATA … HELLO). */
export function isFrameKind(kind: number): kind is FrameKind {
  return Number.isInteger(kind) && kind >= FrameKind.DATA && kind <= FrameKind.HELLO;
}

/**
 * Header-level validation for code that forwards frames without decoding them (routers): the kind is
 * known and a fixed-size kind has its exact payload size. Payload contents are not looked at. Throws
 * NetworkError.
 */
export function checkFrameHeader(frame: Frame): void {
  const { channelId, kind, payload } = frame;
  if (!isFrameKind(kind)) throw new NetworkError(`malformed frame on channel ${channelId}: unknown kind ${kind}`, "FRAME_MALFORMED");
  const expected = FIXED_PAYLOAD[kind];
  if (expected !== undefined && payload.length !== expected) {
    throw new NetworkError(
      `malformed frame on channel ${channelId}: kind ${kind} carries ${expected} payload bytes, got ${payload.length}`,
      "FRAME_MALFORMED",
    );
  }
}

/**
 * The whole frame (header and payload) of a frame returned by FrameDecoder.push, as a view: the decoder
 * always returns the payload as a subarray of a buffer that holds the header just before it. Valid as
 * long as the payload is.
 */
export function wholeFrameBytes(frame: Frame): Uint8Array {
  const { payload } = frame;
  return new Uint8Array(payload.buffer, payload.byteOffset - FRAME_HEADER_BYTES, payload.length + FRAME_HEADER_BYTES);
}

/**
 * Splits a TCP byte stream into frames. Accepts chunks of any size: a frame may span many chunks and a
 * chunk may hold many frames. Throws NetworkError on a length prefix below the header size or above
 * `maxFrameBytes` (checked as soon as the 4 length bytes are in, before buffering the body); after a
 * throw the decoder is poisoned and the connection must close.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private poisoned: NetworkError | null = null;

  constructor(readonly maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    if (maxFrameBytes < FRAME_HEADER_BYTES) throw new RangeError(`maxFrameBytes ${maxFrameBytes} is below the header size`);
  }

  /** Bytes held back waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Feed one chunk; returns the frames it completed, in order. */
  push(chunk: Uint8Array): Frame[] {
    if (this.poisoned !== null) throw this.poisoned;
    const frames: Frame[] = [];
    let data = chunk;
    if (this.chunks.length > 0) {
      // Finish the pending frame first; a frame is assembled only once its bytes are all here.
      this.buffered += chunk.length;
      const total = this.pendingLength(chunk);
      if (total === null || this.buffered < total) {
        this.chunks.push(chunk.slice()); // held back: copy, the caller may reuse its chunk
        return frames;
      }
      this.chunks.push(chunk);
      data = this.concat(); // copies, so `chunk` is not retained
    }
    let at = 0;
    while (data.length - at >= 4) {
      const total = this.readLength(data, at);
      if (data.length - at < total) break;
      const view = new DataView(data.buffer, data.byteOffset + at, FRAME_HEADER_BYTES);
      frames.push({
        channelId: view.getUint32(4, true),
        kind: view.getUint8(8),
        payload: data.subarray(at + FRAME_HEADER_BYTES, at + total),
      });
      at += total;
    }
    if (at < data.length) {
      // Keep a copy: the caller may reuse its chunk.
      const rest = data.slice(at);
      this.chunks = [rest];
      this.buffered = rest.length;
    } else {
      this.chunks = [];
      this.buffered = 0;
    }
    return frames;
  }

  /** Validated total length at `at`, or throws. */
  private readLength(data: Uint8Array, at: number): number {
    const total = new DataView(data.buffer, data.byteOffset + at, 4).getUint32(0, true);
    if (total < FRAME_HEADER_BYTES) this.fail(`frame length ${total} is below the ${FRAME_HEADER_BYTES}-byte header`, "FRAME_MALFORMED");
    if (total > this.maxFrameBytes) this.fail(`frame length ${total} exceeds the ${this.maxFrameBytes}-byte limit`, "FRAME_TOO_LARGE");
    return total;
  }

  /** Length of the pending frame once its 4 length bytes are buffered (validated), else null. */
  private pendingLength(next: Uint8Array): number | null {
    if (this.buffered < 4) return null;
    const first = this.chunks[0]!;
    if (first.length >= 4) return this.readLength(first, 0);
    const head = new Uint8Array(4);
    let at = 0;
    for (const c of [...this.chunks, next]) {
      const n = Math.min(4 - at, c.length);
      head.set(c.subarray(0, n), at);
      at += n;
      if (at === 4) break;
    }
    return this.readLength(head, 0);
  }

  /** Merge the pending chunks into one (kept as the single pending chunk). */
  private concat(): Uint8Array {
    const merged = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      merged.set(c, at);
      at += c.length;
    }
    this.chunks = [merged];
    return merged;
  }

  private fail(reason: string, code: "FRAME_MALFORMED" | "FRAME_TOO_LARGE"): never {
    this.poisoned = new NetworkError(`malformed data-plane stream: ${reason}`, code);
    throw this.poisoned;
  }
}

/** Interpret a frame. Throws NetworkError for HELLO, an unknown kind, a wrong payload size or a bad batch. */
export function decodeFrame(frame: Frame): DecodedFrame {
  const { channelId, kind, payload } = frame;
  if (kind === FrameKind.DATA) {
    return { type: "element", channelId, element: { kind: "batch", batch: decodeBatch(payload) } };
  }
  if (kind === FrameKind.HELLO) {
    throw new NetworkError(
      `unexpected HELLO frame on channel ${channelId}: HELLO is a connection handshake, valid only as the first frame from a peer worker, not a channel element`,
      "FRAME_MALFORMED",
    );
  }
  const expected = FIXED_PAYLOAD[kind];
  if (expected === undefined) throw new NetworkError(`malformed frame on channel ${channelId}: unknown kind ${kind}`, "FRAME_MALFORMED");
  if (payload.length !== expected) {
    throw new NetworkError(
      `malformed frame on channel ${channelId}: kind ${kind} carries ${expected} payload bytes, got ${payload.length}`,
      "FRAME_MALFORMED",
    );
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  switch (kind) {
    case FrameKind.WATERMARK:
      return { type: "element", channelId, element: { kind: "watermark", timestamp: view.getFloat64(0, true) } };
    case FrameKind.IDLE:
      return { type: "element", channelId, element: { kind: "idle" } };
    case FrameKind.ACTIVE:
      return { type: "element", channelId, element: { kind: "active" } };
    case FrameKind.END:
      return { type: "element", channelId, element: { kind: "end" } };
    case FrameKind.BARRIER: {
      const thenStop = view.getUint8(16);
      if (thenStop > 1) throw new NetworkError(`malformed barrier on channel ${channelId}: thenStop byte ${thenStop}`, "FRAME_MALFORMED");
      const barrier = { checkpointId: view.getFloat64(0, true), timestamp: view.getFloat64(8, true), thenStop: thenStop === 1 };
      return { type: "element", channelId, element: { kind: "barrier", barrier } };
    }
    default: {
      const count = view.getUint32(0, true);
      if (count === 0) throw new NetworkError(`malformed credit frame on channel ${channelId}: zero credits`, "FRAME_MALFORMED");
      return { type: "credit", channelId, count };
    }
  }
}
