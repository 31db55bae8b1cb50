// Peer transport over real loopback TCP: HELLO handshake, end-to-end routing between two workers,
// garbage and bad handshakes closing only their own connection, and connect failures.
import { afterEach, describe, expect, test } from "bun:test";
import type { StreamElement } from "../../src/core/index.ts";
import { type FrameLink, FrameRouter, NetworkError, type PeerServer, connectPeer, createPeerServer } from "../../src/network/index.ts";
import { type SimulatedSlot, frameOf, simulateSlot } from "./frame-helpers.ts";
import { batchOf, consume, produce, until } from "./loopback-helpers.ts";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0).reverse()) f();
});

interface Worker {
  readonly router: FrameRouter;
  readonly server: PeerServer;
  readonly linked: string[];
  readonly closed: [string, NetworkError | null][];
  readonly frames: [string, number][];
}

function startWorker(workerId: string, options: { helloTimeoutMs?: number } = {}): Worker {
  const linked: string[] = [];
  const closed: [string, NetworkError | null][] = [];
  const frames: [string, number][] = [];
  const router = new FrameRouter({ name: `worker ${workerId}`, onChannelsFailed: () => {} });
  const server = createPeerServer({
    hostname: "127.0.0.1",
    port: 0,
    workerId,
    ...options,
    onLink: (peer, link) => {
      linked.push(peer);
      router.addLink(`worker:${peer}`, link);
    },
    onFrame: (peer, frame, bytes) => {
      frames.push([peer, frame.channelId]);
      router.route(`worker:${peer}`, frame, bytes);
    },
    onClose: (peer, error) => {
      closed.push([peer, error]);
      router.removeLink(`worker:${peer}`, error ?? new NetworkError(`worker ${peer} left`, "CONNECTION_CLOSED"));
    },
  });
  cleanup.push(() => server.stop());
  return { router, server, linked, closed, frames };
}

async function dial(from: string, to: Worker, router: FrameRouter, peerId: string): Promise<FrameLink> {
  const link = await connectPeer({
    hostname: "127.0.0.1",
    port: to.server.port,
    workerId: from,
    peerWorkerId: peerId,
    onFrame: (frame, bytes) => router.route(`worker:${peerId}`, frame, bytes),
    onClose: () => {},
  });
  cleanup.push(() => link.close());
  return link;
}

/** A raw TCP client: records whether the server closed it. */
async function rawClient(port: number, bytes: Uint8Array): Promise<{ closed: () => boolean }> {
  let isClosed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data() {},
      close() {
        isClosed = true;
      },
    },
  });
  socket.write(bytes);
  cleanup.push(() => socket.end());
  return { closed: () => isClosed };
}

describe("peer transport on loopback", () => {
  test("HELLO identifies the connecting worker before any of its frames", async () => {
    const server = startWorker("w-2");
    const link = await dial("w-1", server, new FrameRouter({ onChannelsFailed: () => {} }), "w-2");
    const { bytes } = frameOf(4, { kind: "watermark", timestamp: 1 });
    link.send(bytes);
    await until(() => server.frames.length === 1, 5_000, "the frame");
    expect(server.linked).toEqual(["w-1"]);
    expect(server.frames).toEqual([["w-1", 4]]);
    link.close();
    await until(() => server.closed.length === 1, 5_000, "the close");
    expect(server.closed[0]![0]).toBe("w-1");
  }, 10_000);

  test("a channel runs slot -> worker w-1 -> TCP -> worker w-2 -> slot, with credits back", async () => {
    const w2 = startWorker("w-2");
    const w1Router = new FrameRouter({ name: "worker w-1", onChannelsFailed: () => {} });
    const producerSlot: SimulatedSlot = simulateSlot(w1Router, "slot:0");
    const consumerSlot: SimulatedSlot = simulateSlot(w2.router, "slot:0");
    cleanup.push(() => producerSlot.close(), () => consumerSlot.close());
    // Both routers know channel 21 before the link exists: frames wait in the routers.
    w1Router.setRoute(21, { producer: "slot:0", consumer: "worker:w-2" });
    w2.router.setRoute(21, { producer: "worker:w-1", consumer: "slot:0" });
    const input = consumerSlot.connection.inputChannel<number>(21, 2);
    w1Router.addLink("worker:w-2", await dial("w-1", w2, w1Router, "w-2"));
    const expected: StreamElement<number>[] = [];
    for (let i = 0; i < 50; i++) expected.push(batchOf([i, i + 0.5], i), { kind: "watermark", timestamp: i });
    expected.push({ kind: "barrier", barrier: { checkpointId: 1, timestamp: 2, thenStop: true } }, { kind: "end" });
    const [got] = await Promise.all([consume(input), produce(producerSlot.connection.outputChannel<number>(21), expected)]);
    expect(got).toEqual(expected);
    expect(input.highWater).toBeLessThanOrEqual(2);
  }, 20_000);

  test("garbage from a raw client closes only that connection; the server keeps serving", async () => {
    const server = startWorker("w-2");
    const bad = await rawClient(server.server.port, new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await until(bad.closed, 5_000, "the garbage connection to close");
    // A first frame that is not HELLO is refused too.
    const notHello = await rawClient(server.server.port, frameOf(1, { kind: "end" }).bytes);
    await until(notHello.closed, 5_000, "the non-HELLO connection to close");
    expect(server.linked).toEqual([]);
    const link = await dial("w-3", server, new FrameRouter({ onChannelsFailed: () => {} }), "w-2");
    link.send(frameOf(9, { kind: "idle" }).bytes);
    await until(() => server.frames.length === 1, 5_000, "a frame from the good peer");
    expect(server.linked).toEqual(["w-3"]);
    expect(server.closed).toEqual([]);
  }, 10_000);

  test("a socket that never says HELLO is closed after the timeout", async () => {
    const server = startWorker("w-2", { helloTimeoutMs: 50 });
    const silent = await rawClient(server.server.port, new Uint8Array(0));
    await until(silent.closed, 5_000, "the silent connection to close");
    expect(server.linked).toEqual([]);
  }, 10_000);

  test("connecting to a closed port rejects with CONNECT_FAILED naming host:port", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = listener.port;
    listener.stop(true);
    const attempt = connectPeer({ hostname: "127.0.0.1", port, workerId: "w-1", peerWorkerId: "w-9", onFrame: () => {}, onClose: () => {} });
    const error = await attempt.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe("CONNECT_FAILED");
    expect((error as NetworkError).message).toContain(`127.0.0.1:${port}`);
    expect((error as NetworkError).message).toContain("w-9");
  }, 10_000);
});
