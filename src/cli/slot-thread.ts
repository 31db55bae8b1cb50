/**
 * @module cli/slot-thread
 * Entry module of a slot's thread (a Bun Worker): waits for its init message, then runs a SlotRuntime
 * with the bundle job loader. The compiled executable embeds it as an extra build entrypoint.
 */
import { SlotRuntime, type SlotInitMessage, type SlotPort } from "../cluster/index.ts";
import { bundleJobLoader } from "./job-bundle.ts";

declare const self: SlotPort;

self.onmessage = (event: MessageEvent) => {
  const init = event.data as SlotInitMessage;
  if (init.type !== "init") return;
  new SlotRuntime(self, { slotIndex: init.slotIndex, loader: bundleJobLoader });
};
