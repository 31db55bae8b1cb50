/**
 * @module network/peer-transport
 * TCP between workers for the frame routing layer: a server that accepts peer workers and a client that
 * connects to one, each connection carried by a FrameLink.
 *
 * Handshake: the connecting worker's first frame is HELLO (kind 8, channel 0, payload = its worker id
 * as UTF-8). The server reads nothing else before it: any other first frame, a malformed HELLO, a first
 * frame larger than a HELLO can be, or no HELLO within helloTimeoutMs (default 5 s) closes that socket
 * with a logged reason, and the rest of the server carries on. Only after the HELLO does `onLink(peerId,
 * link)` fire, and every later frame goes to `onFrame(peerId, frame, bytes)`. A second HELLO fails the
 * link. The server sends no HELLO back: the client knows whom it dialled.
 *
 * Policy (the caller's): exactly one TCP connection per worker pair, opened by the worker with the
 * smaller id (string order); the other waits for it, and frames for it wait in the FrameRouter until
 * its link is added. Malformed bytes from a peer fail only that peer's link, never the process.
 */
import type { Socket } from "bun";
import { log } from "../core/index.ts";
import { NetworkError } from "./errors.ts";
import { FRAME_HEADER_BYTES, type Frame, FrameKind, MAX_HELLO_ID_BYTES, decodeHello, writeHelloFrame } from "./frame-codec.ts";
import { FrameLink } from "./frame-link.ts";
import { forwardSocketEvents } from "./socket.ts";
import { WriteBuffer } from "./write-buffer.ts";

/** How long an accepted socket may take to send its HELLO. */
export const DEFAULT_HELLO_TIMEOUT_MS = 5_000;

export interface PeerServerOptions {
  readonly hostname: string;
  /** 0 picks a free port; read it back from `server.port`. */
  readonly port: number;
  /** This worker's id (names the server in logs). */
  readonly workerId: string;
  readonly maxFrameBytes?: number;
  readonly helloTimeoutMs?: number;
  /** A peer identified itself; called before any of its other frames. */
  onLink(peerWorkerId: string, link: FrameLink): void;
  onFrame(peerWorkerId: string, frame: Frame, bytes: Uint8Array): void;
  /** An identified peer's link is gone (null after our orderly close). */
  onClose(peerWorkerId: string, error: NetworkError | null): void;
}

export interface PeerServer {
  readonly hostname: string;
  readonly port: number;
  /** Stop listening and close every accepted link. */
  stop(): void;
}

export interface ConnectPeerOptions {
  readonly hostname: string;
  readonly port: number;
  /** My worker id, sent in the HELLO. */
  readonly workerId: string;
  /** The worker being dialled (names the link in logs and errors). */
  readonly peerWorkerId: string;
  readonly maxFrameBytes?: number;
  onFrame(frame: Frame, bytes: Uint8Array): void;
  onClose(error: NetworkError | null): void;
}

type LinkSocket = Socket<FrameLink | undefined>;

/** Accept peer workers' connections; each must identify itself with HELLO first. */
export function createPeerServer(options: PeerServerOptions): PeerServer {
  const links = new Set<FrameLink>();
  const helloTimeoutMs = options.helloTimeoutMs ?? DEFAULT_HELLO_TIMEOUT_MS;
  let accepted = 0;
  const listener = Bun.listen<FrameLink | undefined>({
    hostname: options.hostname,
    port: options.port,
    socket: {
      ...forwardSocketEvents<FrameLink>(),
      open(socket: LinkSocket) {
        const connection = `worker ${options.workerId}: peer connection #${++accepted} from ${socket.remoteAddress}`;
        let peer: string | null = null;
        const link: FrameLink = new FrameLink(socket, {
          name: connection,
          ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
          maxFirstFrameBytes: FRAME_HEADER_BYTES + MAX_HELLO_ID_BYTES,
          onFrame(frame, bytes) {
            if (peer === null) {
              peer = decodeHello(frame); // throws HANDSHAKE_FAILED: the link fails and logs why
              clearTimeout(timer);
              link.name = `worker ${options.workerId} <- worker ${peer}`;
              options.onLink(peer, link);
            } else if (frame.kind === FrameKind.HELLO) {
              throw new NetworkError(`worker ${peer} sent a second HELLO`, "HANDSHAKE_FAILED");
            } else {
              options.onFrame(peer, frame, bytes);
            }
          },
          onClose(error) {
            clearTimeout(timer);
            links.delete(link);
            if (peer !== null) options.onClose(peer, error);
            else if (error !== null && error.code === "CONNECTION_CLOSED") log.info(`${connection}: closed before its HELLO`);
          },
        });
        const timer = setTimeout(() => {
          link.fail(new NetworkError(`${connection}: no HELLO within ${helloTimeoutMs} ms`, "HANDSHAKE_FAILED"));
        }, helloTimeoutMs);
        timer.unref?.();
        socket.data = link;
        links.add(link);
      },
    },
  });
  return {
    hostname: options.hostname,
    port: listener.port,
    stop() {
      for (const link of links) link.close();
      listener.stop(true);
    },
  };
}

/** Connect to a peer worker and identify as `workerId`. Rejects with CONNECT_FAILED naming host:port. */
export async function connectPeer(options: ConnectPeerOptions): Promise<FrameLink> {
  const address = `${options.hostname}:${options.port}`;
  const name = `worker ${options.workerId} -> worker ${options.peerWorkerId} (${address})`;
  const hello = new WriteBuffer(FRAME_HEADER_BYTES + MAX_HELLO_ID_BYTES);
  writeHelloFrame(hello, options.workerId); // a bad id throws here, before connecting
  let socket: LinkSocket;
  try {
    socket = await Bun.connect<FrameLink | undefined>({
      hostname: options.hostname,
      port: options.port,
      socket: {
        ...forwardSocketEvents<FrameLink>(),
        open(socket: LinkSocket) {
          const link = new FrameLink(socket, {
            name,
            ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
            onFrame(frame, bytes) {
              if (frame.kind === FrameKind.HELLO) throw new NetworkError(`worker ${options.peerWorkerId} sent an unexpected HELLO`, "HANDSHAKE_FAILED");
              options.onFrame(frame, bytes);
            },
            onClose: (error) => options.onClose(error),
          });
          socket.data = link;
          link.send(hello.readable()); // first on the wire
        },
        connectError() {
          // the rejected promise below reports it
        },
      },
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new NetworkError(`cannot connect to worker ${options.peerWorkerId} at ${address}: ${reason}`, "CONNECT_FAILED", error);
  }
  const link = socket.data;
  if (link === undefined) throw new NetworkError(`${name}: socket opened without a link`, "CONNECT_FAILED");
  return link;
}
