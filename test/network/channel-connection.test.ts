// ChannelConnection over real loopback TCP: ordering across connections and channels, credit flow control
// and bounded memory across a real socket, throughput, failure on malformed input (only that connection),
// and orderly / peer close.
import { afterEach, describe, expect, test } from "bun:test";
import { type StreamElement } from "../../src/core/index.ts";
import { type ChannelConnection, NetworkError } from "../../src/network/index.ts";
import type { InputChannel, OutputChannel } from "../../src/runtime/index.ts";
import { type Loopback, batchOf, consume, produce, startLoopback, until } from "./loopback-helpers.ts";

let loopback: Loopback | null = null;
afterEach(() => {
  loopback?.stop();
  loopback = null;
});

/** A mixed stream for channel `c`: batches, watermarks, idleness, a barrier, end. */
function streamFor(c: number, batches: number): StreamElement<number>[] {
  const out: StreamElement<number>[] = [];
  for (let b = 0; b < batches; b++) {
    out.push(batchOf([c, b, c * 1000 + b], b));
    if (b % 3 === 0) out.push({ kind: "watermark", timestamp: b });
    if (b === 5) out.push({ kind: "barrier", barrier: { checkpointId: 1, timestamp: 123, thenStop: false } });
    if (b === 7) out.push({ kind: "idle" }, { kind: "active" });
  }
  out.push({ kind: "end" });
  return out;
}

describe("ChannelConnection over loopback TCP", () => {
  test("remote channels fit the runtime's channel interfaces", async () => {
    loopback = startLoopback();
    const { client, peer } = await loopback.connect();
    const out: OutputChannel<number> = client.outputChannel<number>(1);
    const input: InputChannel<number> = peer.inputChannel<number>(1);
    expect(typeof out.push).toBe("function");
    expect(input.poll()).toBeUndefined();
  }, 10_000);

  test("elements arrive in order across 2 connections × 4 channels, both directions", async () => {
    loopback = startLoopback();
    const pairs = [await loopback.connect(), await loopback.connect()];
    const runs: Promise<void>[] = [];
    for (const [p, { client, peer }] of pairs.entries()) {
      for (let c = 0; c < 4; c++) {
        const id = p * 10 + c;
        // client -> server on channel id, server -> client on the same id (ids are per direction).
        for (const [from, to] of [[client, peer], [peer, client]] as [ChannelConnection, ChannelConnection][]) {
          const expected = streamFor(id, 40);
          const input = to.inputChannel<number>(id, 2);
          runs.push(produce(from.outputChannel<number>(id), expected));
          runs.push(consume(input).then((got) => {
            expect(got).toEqual(expected);
            expect(input.highWater).toBeLessThanOrEqual(2);
          }));
        }
      }
    }
    await Promise.all(runs);
  }, 20_000);

  test("credits bound the producer when the consumer does not poll", async () => {
    loopback = startLoopback();
    const { client, peer } = await loopback.connect();
    const input = peer.inputChannel<number>(5, 3);
    const out = client.outputChannel<number>(5);
    await until(() => out.hasCredit(), 5_000, "initial credit");
    const big = Array.from({ length: 1024 }, (_, i) => i);
    let pushed = 0;
    while (out.hasCredit()) {
      out.push(batchOf(big, 0));
      pushed++;
    }
    expect(pushed).toBe(3);
    // Control events need no credit.
    out.push({ kind: "watermark", timestamp: 1 });
    await until(() => input.backlog === 3, 5_000, "3 queued batches");
    await Bun.sleep(50);
    expect(out.hasCredit()).toBe(false);
    expect(client.bufferedBytes).toBe(0); // everything went out; nothing piles up at the sender
    expect(input.highWater).toBe(3);
    expect(input.poll()?.kind).toBe("batch");
    await until(() => out.hasCredit(), 5_000, "credit after one poll");
    expect(out.availableCredits).toBe(1);
  }, 10_000);

  test("a slow consumer throttles a fast producer", async () => {
    loopback = startLoopback();
    const { client, peer } = await loopback.connect();
    const capacity = 4;
    const total = 150;
    const input = peer.inputChannel<number>(9, capacity);
    const out = client.outputChannel<number>(9);
    const values = Array.from({ length: 256 }, (_, i) => i);
    const batchBytes = 256 * 8 + 64;
    let consumed = 0;
    let maxSenderBuffered = 0;
    const consumer = consume(input, async () => {
      consumed++;
      maxSenderBuffered = Math.max(maxSenderBuffered, client.bufferedBytes);
      await Bun.sleep(1);
    });
    const elements = (function* () {
      for (let b = 0; b < total; b++) yield batchOf(values, b);
      yield { kind: "end" } as const;
    })();
    await produce(out, elements);
    const consumedWhenProducerDone = consumed;
    const got = await consumer;
    expect(got.length).toBe(total + 1);
    // The producer could only finish once all but `capacity` batches were consumed.
    expect(consumedWhenProducerDone).toBeGreaterThanOrEqual(total - capacity);
    expect(input.highWater).toBeLessThanOrEqual(capacity);
    expect(maxSenderBuffered).toBeLessThanOrEqual(capacity * batchBytes);
  }, 20_000);

  test("1M small records in batches of 1024 (throughput printout)", async () => {
    loopback = startLoopback();
    const { client, peer } = await loopback.connect();
    const batchSize = 1024;
    const batches = Math.ceil(1_000_000 / batchSize);
    const input = peer.inputChannel<number>(1, 8);
    const out = client.outputChannel<number>(1);
    const values = Array.from({ length: batchSize }, (_, i) => i);
    const started = performance.now();
    let records = 0;
    let checksum = 0;
    const consumer = (async () => {
      const got = await consume(input);
      for (const e of got) if (e.kind === "batch") {
        records += e.batch.values.length;
        checksum += e.batch.values[batchSize - 1]!;
      }
    })();
    const elements = (function* () {
      for (let b = 0; b < batches; b++) yield batchOf(values, 1_700_000_000_000 + b);
      yield { kind: "end" } as const;
    })();
    await produce(out, elements);
    await consumer;
    const seconds = (performance.now() - started) / 1000;
    expect(records).toBe(batches * batchSize);
    expect(checksum).toBe(batches * (batchSize - 1));
    const mb = client.stats.bytesSent / 1e6;
    console.log(
      `data plane: ${records} records in ${batches} batches, ${seconds.toFixed(3)} s, ` +
        `${Math.round(records / seconds).toLocaleString()} records/s, ${(mb / seconds).toFixed(1)} MB/s, ${client.stats.writes} writes`,
    );
  }, 60_000);

  test("1M object records in batches of 1024 (general-path throughput printout)", async () => {
    loopback = startLoopback();
    const { client, peer } = await loopback.connect();
    const batchSize = 1024;
    const batches = Math.ceil(1_000_000 / batchSize);
    const input = peer.inputChannel<{ id: number; name: string }>(1, 8);
    const values = Array.from({ length: batchSize }, (_, i) => ({ id: i, name: `user-${i}` }));
    const started = performance.now();
    const elements = (function* () {
      for (let b = 0; b < batches; b++) yield { kind: "batch", batch: { values, timestamps: values.map(() => b) } } as const;
      yield { kind: "end" } as const;
    })();
    const [, got] = await Promise.all([produce(client.outputChannel<{ id: number; name: string }>(1), elements), consume(input)]);
    const seconds = (performance.now() - started) / 1000;
    expect(got.length).toBe(batches + 1);
    const records = batches * batchSize;
    console.log(`data plane (objects): ${records} records, ${seconds.toFixed(3)} s, ${Math.round(records / seconds).toLocaleString()} records/s`);
  }, 60_000);

  test("garbage on the server socket fails the connection and surfaces NetworkError on the input channel", async () => {
    loopback = startLoopback({ maxFrameBytes: 1 << 20 });
    const socket = await Bun.connect({ hostname: "127.0.0.1", port: loopback.port, socket: { data() {} } });
    await until(() => loopback!.accepted.length === 1);
    const conn = loopback.accepted[0]!;
    const input = conn.inputChannel<number>(1);
    const out = conn.outputChannel<number>(1);
    socket.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: nope\r\n\r\n"));
    const failure = await conn.closed;
    expect(failure).toBeInstanceOf(NetworkError);
    expect(failure?.code).toBe("FRAME_TOO_LARGE"); // "GET " read as a little-endian length
    expect(() => input.poll()).toThrow(NetworkError);
    expect(() => out.push({ kind: "end" })).toThrow(NetworkError);
    expect(out.hasCredit()).toBe(true); // so a waiting producer wakes up and sees the error
    socket.end();
  }, 10_000);

  test("a malformed batch payload fails the connection; the process stays alive", async () => {
    loopback = startLoopback();
    const socket = await Bun.connect({ hostname: "127.0.0.1", port: loopback.port, socket: { data() {} } });
    await until(() => loopback!.accepted.length === 1);
    const conn = loopback.accepted[0]!;
    const input = conn.inputChannel<number>(2);
    // A well-formed watermark frame, then a DATA frame whose batch claims 1000 records in 4 bytes.
    const bytes = new Uint8Array(17 + 13);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, 17, true); view.setUint32(4, 2, true); view.setUint8(8, 2); view.setFloat64(9, 42, true);
    view.setUint32(17, 13, true); view.setUint32(21, 2, true); view.setUint8(25, 1); view.setUint32(26, 1000, true);
    socket.write(bytes);
    const failure = await conn.closed;
    expect(failure?.code).toBe("BATCH_MALFORMED");
    expect(() => input.poll()).toThrow(/malformed batch/);
    socket.end();
    // Still alive: a fresh connection works.
    const { client, peer } = await loopback.connect();
    const expected = streamFor(3, 5);
    const [, got] = await Promise.all([produce(client.outputChannel<number>(3), expected), consume(peer.inputChannel<number>(3))]);
    expect(got).toEqual(expected);
  }, 10_000);

  test("a peer close fails unfinished channels but not ones that saw end", async () => {
    loopback = startLoopback();
    const { client, peer } = await loopback.connect();
    const finished = peer.inputChannel<number>(1);
    const unfinished = peer.inputChannel<number>(2);
    await until(() => client.outputChannel(1).hasCredit() && client.outputChannel(2).hasCredit());
    client.outputChannel<number>(1).push(batchOf([1], 0));
    client.outputChannel<number>(1).push({ kind: "end" });
    client.outputChannel<number>(2).push(batchOf([2], 0));
    client.close();
    await peer.closed;
    expect(finished.poll()?.kind).toBe("batch");
    expect(finished.poll()?.kind).toBe("end");
    expect(finished.poll()).toBeUndefined();
    expect(() => unfinished.poll()).toThrow(/closed by peer/);
    expect(unfinished.error?.code).toBe("CONNECTION_CLOSED");
  }, 10_000);
});
