/**
 * @module cli/slot-entry
 * Where a slot thread's module is. From source it is slot-thread.ts next to this file. In the compiled
 * executable it is embedded as an extra entrypoint (scripts/build.ts) and addressed relative to the
 * entrypoints' common root, which is this folder as long as main.ts and slot-thread.ts are the
 * build's only entrypoints (the e2e binary test runs a threaded job, so a change shows up there).
 */
export function slotThreadEntry(): string {
  if (Bun.main.startsWith("/$bunfs/")) return "./slot-thread.ts";
  return new URL("./slot-thread.ts", import.meta.url).href;
}
