/**
 * @module network
 * The data plane: length-prefixed binary frames, batch serialization, and TCP connections that
 * multiplex credit-flow-controlled channels between workers. Imports only core.
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
  decodeFrame,
  writeCreditFrame,
  writeElementFrame,
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
export * as rpc from "./rpc/index.ts";
