/**
 * @module network/socket
 * The seams between a byte stream and the code that speaks frames over it: SocketLike (what a FrameLink
 * writes to: a Bun TCP socket, a PortSocket, a fake in unit tests), SocketEvents (what it is told), and
 * the one Bun socket handler that forwards a socket's events to the receiver stored in `socket.data`.
 */
import type { Socket, SocketHandler } from "bun";

/** The part of a Bun socket a FrameLink uses. */
export interface SocketLike {
  /** Bytes accepted (the rest must be retried on drain); negative when the socket is closed. */
  write(bytes: Uint8Array): number;
  end(): unknown;
}

/** What a stream's owner is told about its socket (FrameLink, ChannelConnection). None of them throws. */
export interface SocketEvents {
  /** Bytes arrived. */
  handleData(chunk: Uint8Array): void;
  /** The socket can take more bytes. */
  handleDrain(): void;
  /** The socket closed, with `error` if it broke. */
  handleClose(error?: Error): void;
}

/**
 * Bun socket handlers (data, drain, close, error) forwarding to the receiver in `socket.data`; the
 * caller adds `open` (which sets `socket.data`) and anything else. Spread it into Bun.listen/Bun.connect's
 * `socket` option: `{ ...forwardSocketEvents<FrameLink>(), open(socket) { socket.data = new FrameLink(socket, …) } }`.
 */
export function forwardSocketEvents<T extends SocketEvents>(): Pick<SocketHandler<T | undefined>, "data" | "drain" | "close" | "error"> {
  return {
    data(socket: Socket<T | undefined>, chunk: Uint8Array) {
      socket.data?.handleData(chunk);
    },
    drain(socket: Socket<T | undefined>) {
      socket.data?.handleDrain();
    },
    close(socket: Socket<T | undefined>, error?: Error) {
      socket.data?.handleClose(error);
    },
    error(socket: Socket<T | undefined>, error: Error) {
      socket.data?.handleClose(error);
    },
  };
}
