// Helpers for the data-plane loopback tests: a server/client pair, a credit-respecting producer and a consumer.
import type { StreamElement } from "../../src/core/index.ts";
import {
  type ConnectionOptions,
  type DataPlaneServer,
  type RemoteInputChannel,
  type RemoteOutputChannel,
  type TcpConnection,
  connectDataPlane,
  createDataPlaneServer,
} from "../../src/network/index.ts";
import { Wakeup } from "../../src/runtime/index.ts";

export interface Loopback {
  readonly server: DataPlaneServer;
  /** Connections in accept order. */
  readonly accepted: TcpConnection[];
  /** Open a client connection and return it with its server-side peer. */
  connect(): Promise<{ client: TcpConnection; peer: TcpConnection }>;
  stop(): void;
}

export function startLoopback(options: ConnectionOptions & { onConnection?: (c: TcpConnection) => void } = {}): Loopback {
  const accepted: TcpConnection[] = [];
  const clients: TcpConnection[] = [];
  const server = createDataPlaneServer({
    ...options,
    onConnection: (c) => {
      accepted.push(c);
      options.onConnection?.(c);
    },
  });
  return {
    server,
    accepted,
    async connect() {
      const before = accepted.length;
      const client = await connectDataPlane({ port: server.port, ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }) });
      clients.push(client);
      await until(() => accepted.length > before);
      return { client, peer: accepted[before]! };
    },
    stop() {
      for (const c of clients) c.close();
      server.stop();
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
