// Helpers for the data-plane loopback tests: ChannelConnections over real loopback TCP (built from the
// shared pieces: Bun.listen/Bun.connect + forwardSocketEvents), a credit-respecting producer and a consumer.
import type { Socket } from "bun";
import type { StreamElement } from "../../src/core/index.ts";
import {
  ChannelConnection,
  type ChannelConnectionOptions,
  type RemoteInputChannel,
  type RemoteOutputChannel,
  forwardSocketEvents,
} from "../../src/network/index.ts";
import { Wakeup } from "../../src/runtime/index.ts";

type ConnectionSocket = Socket<ChannelConnection | undefined>;

export interface Loopback {
  /** The listening port on 127.0.0.1. */
  readonly port: number;
  /** Server-side connections in accept order. */
  readonly accepted: ChannelConnection[];
  /** Open a client connection and return it with its server-side peer. */
  connect(): Promise<{ client: ChannelConnection; peer: ChannelConnection }>;
  stop(): void;
}

/**
 * A TCP server on 127.0.0.1 (free port) wrapping each accepted socket in a ChannelConnection, and a
 * client that opens one. Production runs ChannelConnections over PortSockets (TCP carries FrameLinks
 * between workers); this runs the same class straight over TCP to test credits and failures across a
 * real socket with partial writes and drain.
 */
export function startLoopback(options: ChannelConnectionOptions & { onConnection?: (c: ChannelConnection) => void } = {}): Loopback {
  const accepted: ChannelConnection[] = [];
  const clients: ChannelConnection[] = [];
  const limit = options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes };
  const listener = Bun.listen<ChannelConnection | undefined>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      ...forwardSocketEvents<ChannelConnection>(),
      open(socket: ConnectionSocket) {
        const connection = new ChannelConnection(socket, { ...limit, name: `${options.name ?? "loopback server"} #${accepted.length + 1}` });
        socket.data = connection;
        accepted.push(connection);
        options.onConnection?.(connection);
      },
    },
  });
  return {
    port: listener.port,
    accepted,
    async connect() {
      const before = accepted.length;
      const socket = await Bun.connect<ChannelConnection | undefined>({
        hostname: "127.0.0.1",
        port: listener.port,
        socket: {
          ...forwardSocketEvents<ChannelConnection>(),
          open(socket: ConnectionSocket) {
            socket.data = new ChannelConnection(socket, { ...limit, name: `loopback client #${clients.length + 1}` });
          },
        },
      });
      const client = socket.data!;
      clients.push(client);
      await until(() => accepted.length > before);
      return { client, peer: accepted[before]! };
    },
    stop() {
      for (const c of clients) c.close();
      for (const c of accepted) c.close();
      listener.stop(true);
    },
  };
}

export async function until(condition: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(1);
  }
}

/** Push `elements`, waiting for credit before each batch, like a StreamTask would. */
export async function produce<T>(out: RemoteOutputChannel<T>, elements: Iterable<StreamElement<T>>): Promise<void> {
  const wakeup = new Wakeup();
  out.setProducerWakeup(wakeup);
  for (const element of elements) {
    while (element.kind === "batch" && !out.hasCredit()) await wakeup.wait();
    out.push(element);
  }
}

/** Poll until `end`, optionally pausing after each batch. */
export async function consume<T>(input: RemoteInputChannel<T>, onBatch?: () => Promise<void> | void): Promise<StreamElement<T>[]> {
  const wakeup = new Wakeup();
  input.setConsumerWakeup(wakeup);
  const got: StreamElement<T>[] = [];
  for (;;) {
    const element = input.poll();
    if (element === undefined) {
      await wakeup.wait();
      continue;
    }
    got.push(element);
    if (element.kind === "end") return got;
    if (element.kind === "batch" && onBatch !== undefined) await onBatch();
  }
}

export function batchOf(values: number[], timestamp: number): StreamElement<number> {
  return { kind: "batch", batch: { values, timestamps: values.map(() => timestamp) } };
}
