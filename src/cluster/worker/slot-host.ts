/**
 * @module cluster/worker/slot-host
 * Where a slot runs. JavaScript runs one thread per isolate, so each slot of a worker gets its own Bun
 * Worker thread (`threadSlot`), and a 4-slot worker can use 4 cores. Records cross threads only as
 * transferred buffers of encoded frames, never one postMessage per record.
 *
 * `inlineSlot` runs the same SlotRuntime on the caller's thread behind a MessageChannel: the same
 * messages and code paths, for tests and for jobs that cannot be bundled.
 */
import type { JobLoader } from "../job-loader.ts";
import type { SlotPort } from "./slot-messages.ts";
import { SlotRuntime } from "./slot-runtime.ts";

export interface SlotHost {
  readonly index: number;
  /** The main thread's end of the slot's port. */
  readonly port: SlotPort;
  /** Stop the slot's thread (tasks are cancelled first by a shutdown message). */
  terminate(): void;
}

/** The first message a slot thread receives: which slot it is. */
export interface SlotInitMessage {
  readonly type: "init";
  readonly slotIndex: number;
}

/**
 * A slot on its own thread. `entry` is the thread's module (see cli/slot-thread.ts): it installs the
 * job loader and starts a SlotRuntime when it receives the init message. In a compiled binary the
 * entry must be an extra entrypoint of the build.
 */
export function threadSlot(index: number, entry: string | URL): SlotHost {
  const worker = new Worker(entry);
  const init: SlotInitMessage = { type: "init", slotIndex: index };
  worker.postMessage(init);
  return {
    index,
    port: worker as unknown as SlotPort,
    terminate: () => worker.terminate(),
  };
}

/** A slot on the caller's thread, behind a MessageChannel. */
export function inlineSlot(index: number, loader: JobLoader): SlotHost {
  const channel = new MessageChannel();
  const runtime = new SlotRuntime(channel.port2 as unknown as SlotPort, { slotIndex: index, loader });
  return {
    index,
    port: channel.port1 as unknown as SlotPort,
    terminate: () => {
      runtime.stop();
      channel.port1.close();
      channel.port2.close();
    },
  };
}
