/**
 * @module network
 * The data plane: length-prefixed binary frames, batch serialization, and TCP connections that
 * multiplex credit-flow-controlled channels between workers; plus the worker's frame routing layer
 * (PortSocket, FrameLink, FrameRouter, peer transport) that forwards whole frames between slot threads
 * and peer workers. Imports only core.
 */
export { NetworkError, type NetworkErrorCode } from "./errors.ts";
export { WriteBuffer } from "./write-buffer.ts";
export { decodeBatch, encodeBatch, serializeBatch } from "./batch-serializer.ts";
export {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameKind,
  MAX_CHANNEL_ID,
  MAX_HELLO_ID_BYTES,
  checkFrameHeader,
  decodeFrame,
  decodeHello,
  isFrameKind,
  wholeFrameBytes,
  writeCreditFrame,
  writeElementFrame,
  writeHelloFrame,
  type DecodedFrame,
  type Frame,
} from "./frame-codec.ts";
export {
  DEFAULT_REMOTE_CHANNEL_CAPACITY,
  RemoteInputChannel,
  RemoteOutputChannel,
  type InputChannel,
  type OutputChannel,
  type WakeupLike,
} from "./remote-channel.ts";
export { TcpConnection, type ConnectionOptions, type ConnectionStats, type SocketLike } from "./tcp-connection.ts";
export {
  connectDataPlane,
  createDataPlaneServer,
  type ConnectOptions,
  type DataPlaneServer,
  type DataPlaneServerOptions,
} from "./tcp-transport.ts";
export { PortSocket, isFramesEndMessage, isFramesMessage, type FramePort, type FramesEndMessage, type FramesMessage } from "./port-socket.ts";
export { FrameLink, type FrameLinkOptions, type FrameLinkStats } from "./frame-link.ts";
export {
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_MAX_RETIRED_CHANNELS,
  FrameRouter,
  type FrameRoute,
  type FrameRouterOptions,
  type FrameRouterStats,
  type RouterLink,
} from "./frame-router.ts";
export {
  DEFAULT_HELLO_TIMEOUT_MS,
  connectPeer,
  createPeerServer,
  type ConnectPeerOptions,
  type PeerServer,
  type PeerServerOptions,
} from "./peer-transport.ts";
export * as rpc from "./rpc/index.ts";
