// ChannelConnection over a fake socket: zero-copy element frames and the tick's summed credits share one
// write; per-channel byte counters; close semantics.
import { describe, expect, test } from "bun:test";
import { ChannelConnection, FrameDecoder, WriteBuffer, decodeFrame, writeElementFrame } from "../../src/network/index.ts";
import { batchOf } from "./loopback-helpers.ts";

class FakeSocket {
  readonly writes: Uint8Array[] = [];
  ends = 0;
  write(bytes: Uint8Array): number {
    if (this.ends > 0) return -1;
    this.writes.push(bytes.slice());
    return bytes.length;
  }
  end(): void {
    this.ends++;
  }
}

describe("ChannelConnection", () => {
  test("elements and the credits of a tick (summed per channel) go out in one write", async () => {
    const socket = new FakeSocket();
    const connection = new ChannelConnection(socket, { name: "unit" });
    const input = connection.inputChannel<number>(2, 3); // 3 credits
    const feed = new WriteBuffer();
    writeElementFrame(feed, 2, batchOf([1], 0));
    writeElementFrame(feed, 2, batchOf([2], 0));
    connection.handleData(feed.toBytes());
    expect(input.poll()?.kind).toBe("batch"); // +1
    expect(input.poll()?.kind).toBe("batch"); // +1
    connection.outputChannel<number>(9).push({ kind: "watermark", timestamp: 5 });
    await Promise.resolve();
    expect(socket.writes.length).toBe(1);
    const frames = new FrameDecoder().push(socket.writes[0]!).map(decodeFrame);
    expect(frames).toEqual([
      { type: "element", channelId: 9, element: { kind: "watermark", timestamp: 5 } },
      { type: "credit", channelId: 2, count: 5 },
    ]);
    expect(connection.channelBytesIn([2])).toBe(feed.length);
    expect(connection.channelBytesOut([9])).toBe(17);
    expect(connection.stats.framesSent).toBe(2);
  });

  test("close: flushes, ends the socket, then fails unfinished channels with CONNECTION_CLOSED; closed resolves null", async () => {
    const socket = new FakeSocket();
    const connection = new ChannelConnection(socket, { name: "unit" });
    const done = connection.inputChannel<number>(1);
    const open = connection.inputChannel<number>(2);
    const feed = new WriteBuffer();
    writeElementFrame(feed, 1, { kind: "end" });
    connection.handleData(feed.toBytes());
    connection.outputChannel<number>(1).push({ kind: "end" });
    connection.close();
    expect(socket.ends).toBe(1);
    expect(socket.writes.length).toBe(1);
    expect(() => connection.outputChannel<number>(3).push({ kind: "end" })).toThrow(/after close/);
    connection.handleClose();
    expect(await connection.closed).toBeNull();
    expect(done.poll()?.kind).toBe("end");
    expect(() => open.poll()).toThrow(/connection closed/);
    expect(open.error?.code).toBe("CONNECTION_CLOSED");
    expect(() => connection.inputChannel<number>(4).poll()).toThrow(/connection closed/); // new channels fail too
  });

  test("a decode failure fails every channel and resolves closed with it", async () => {
    const socket = new FakeSocket();
    const connection = new ChannelConnection(socket, { name: "unit" });
    const input = connection.inputChannel<number>(1);
    const out = connection.outputChannel<number>(1);
    connection.handleData(new Uint8Array([9, 0, 0, 0, 1, 0, 0, 0, 99])); // unknown kind 99
    const failure = await connection.closed;
    expect(failure?.code).toBe("FRAME_MALFORMED");
    expect(connection.error).toBe(failure);
    expect(() => input.poll()).toThrow(failure!);
    expect(() => out.push({ kind: "end" })).toThrow(failure!);
    expect(socket.ends).toBe(1);
  });
});
