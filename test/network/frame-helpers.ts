// Helpers for the frame routing tests: encode frames, and a "slot thread" simulated over a real MessageChannel.
import type { StreamElement } from "../../src/core/index.ts";
import {
  ChannelConnection,
  type Frame,
  FrameDecoder,
  FrameLink,
  type FrameRouter,
  PortSocket,
  WriteBuffer,
  isFramesEndMessage,
  isFramesMessage,
  wholeFrameBytes,
  writeCreditFrame,
  writeElementFrame,
} from "../../src/network/index.ts";

/** One encoded frame, as a FrameLink hands it to the router. */
export function frameOf(channelId: number, what: StreamElement<unknown> | { credit: number }): { frame: Frame; bytes: Uint8Array } {
  const out = new WriteBuffer(64);
  if ("credit" in what) writeCreditFrame(out, channelId, what.credit);
  else writeElementFrame(out, channelId, what);
  const [frame] = new FrameDecoder().push(out.toBytes());
  return { frame: frame!, bytes: wholeFrameBytes(frame!) };
}

/**
 * A slot thread simulated in-process: its ChannelConnection talks over one side of a real MessageChannel
 * (PortSocket), and the main thread's FrameLink for it sits on the other side, routing through `router`.
 */
export interface SimulatedSlot {
  readonly connection: ChannelConnection;
  readonly link: FrameLink;
  close(): void;
}

export function simulateSlot(router: FrameRouter, endpoint: string): SimulatedSlot {
  const channel = new MessageChannel();
  const connection = new ChannelConnection(new PortSocket(channel.port1), { name: `${endpoint} data plane` });
  const link = new FrameLink(new PortSocket(channel.port2), {
    name: `main <-> ${endpoint}`,
    onFrame: (frame, bytes) => router.route(endpoint, frame, bytes),
    onClose: () => {},
  });
  channel.port1.onmessage = (event) => {
    if (isFramesMessage(event.data)) connection.handleData(new Uint8Array(event.data.bytes));
    else if (isFramesEndMessage(event.data)) connection.handleClose();
  };
  channel.port2.onmessage = (event) => {
    if (isFramesMessage(event.data)) link.handleData(new Uint8Array(event.data.bytes));
    else if (isFramesEndMessage(event.data)) link.handleClose();
  };
  router.addLink(endpoint, link);
  return {
    connection,
    link,
    close() {
      channel.port1.close();
      channel.port2.close();
    },
  };
}
