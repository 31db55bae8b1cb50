/**
 * @module network
 * The data plane: length-prefixed binary frames, batch serialization, FrameLink (whole frames over one
 * byte stream), ChannelConnection (credit-flow-controlled channels multiplexed over a FrameLink, run by
 * each slot thread over a PortSocket), and the worker's frame routing layer (FrameRouter, peer transport)
 * that forwards whole frames between slot threads and peer workers over TCP. Imports only core.
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
export { forwardSocketEvents, type SocketEvents, type SocketLike } from "./socket.ts";
export { ChannelConnection, type ChannelConnectionOptions } from "./channel-connection.ts";
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
