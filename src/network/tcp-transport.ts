/**
 * @module network/tcp-transport
 * Bun.listen / Bun.connect glue: a data-plane server that wraps each accepted socket in a TcpConnection,
 * and a client that opens one. Loopback by default; port 0 picks a free port.
 */
import type { Socket, SocketHandler } from "bun";
import { type ConnectionOptions, TcpConnection } from "./tcp-connection.ts";

type ConnSocket = Socket<TcpConnection | undefined>;

/** Socket events forwarded to the connection stored in `socket.data`; none of them throws. */
const FORWARD: SocketHandler<TcpConnection | undefined> = {
  data(socket, chunk) {
    socket.data?.handleData(chunk);
  },
  drain(socket) {
    socket.data?.handleDrain();
  },
  close(socket, error) {
    socket.data?.handleClose(error);
  },
  error(socket, error) {
    socket.data?.handleClose(error);
  },
};

export interface DataPlaneServerOptions extends ConnectionOptions {
  readonly hostname?: string;
  /** 0 (default) picks a free port; read it back from `server.port`. */
  readonly port?: number;
  /** Called for each accepted connection, before any of its bytes are read: open input channels here. */
  readonly onConnection: (connection: TcpConnection) => void;
}

export interface DataPlaneServer {
  readonly hostname: string;
  readonly port: number;
  /** Stop listening and close every accepted connection. */
  stop(): void;
}

/** Listen for data-plane connections. */
export function createDataPlaneServer(options: DataPlaneServerOptions): DataPlaneServer {
  const connections = new Set<TcpConnection>();
  const hostname = options.hostname ?? "127.0.0.1";
  let accepted = 0;
  const listener = Bun.listen<TcpConnection | undefined>({
    hostname,
    port: options.port ?? 0,
    socket: {
      ...FORWARD,
      open(socket: ConnSocket) {
        const name = `${options.name ?? "data-plane server"} #${++accepted}`;
        const connection = new TcpConnection(socket, { ...options, name });
        socket.data = connection;
        connections.add(connection);
        void connection.closed.then(() => connections.delete(connection));
        options.onConnection(connection);
      },
    },
  });
  return {
    hostname,
    port: listener.port,
    stop() {
      for (const connection of connections) connection.close();
      listener.stop(true);
    },
  };
}

export interface ConnectOptions extends ConnectionOptions {
  readonly hostname?: string;
  readonly port: number;
}

/** Open a data-plane connection to a server. */
export async function connectDataPlane(options: ConnectOptions): Promise<TcpConnection> {
  const hostname = options.hostname ?? "127.0.0.1";
  const name = options.name ?? `data-plane client -> ${hostname}:${options.port}`;
  const socket = await Bun.connect<TcpConnection | undefined>({
    hostname,
    port: options.port,
    socket: {
      ...FORWARD,
      open(socket: ConnSocket) {
        socket.data = new TcpConnection(socket, { ...options, name });
      },
    },
  });
  const connection = socket.data;
  if (connection === undefined) throw new Error(`${name}: socket opened without a connection`);
  return connection;
}
