/**
 * @module runtime/channels/input-gate
 * The consumer side of a task: polls its input channels round-robin and merges their control events.
 * Data batches come out as they are; watermarks and idleness go through the WatermarkValve, so what
 * comes out is the *task's* watermark (min over active inputs), emitted only when it advances. `end`
 * comes out once, after every channel has ended.
 */
import type { StreamElement } from "../../core/index.ts";
import { WatermarkValve } from "../time/watermark-valve.ts";
import type { InputChannel } from "./local-channel.ts";
import type { Wakeup } from "./wakeup.ts";

export class InputGate {
  private readonly valve: WatermarkValve;
  private readonly ended: boolean[];
  private endedCount = 0;
  private next = 0;
  private readonly pending: StreamElement<unknown>[] = [];

  constructor(
    private readonly channels: readonly InputChannel<unknown>[],
    wakeup: Wakeup,
  ) {
    this.valve = new WatermarkValve(channels.length);
    this.ended = new Array<boolean>(channels.length).fill(false);
    for (const c of channels) c.setConsumerWakeup(wakeup);
  }

  get watermark(): number {
    return this.valve.watermark;
  }

  /** The next element for the task, or undefined when no channel has one ready. */
  poll(): StreamElement<unknown> | undefined {
    if (this.pending.length > 0) return this.pending.shift();
    const n = this.channels.length;
    let empty = 0;
    while (empty < n) {
      const i = this.next;
      this.next = i + 1 === n ? 0 : i + 1;
      const element = this.channels[i]!.poll();
      if (element === undefined) {
        empty++;
        continue;
      }
      empty = 0;
      switch (element.kind) {
        case "batch":
        case "barrier":
          return element;
        case "watermark": {
          const advanced = this.valve.inputWatermark(i, element.timestamp);
          if (advanced !== null) return { kind: "watermark", timestamp: advanced };
          break;
        }
        case "idle":
        case "active":
          for (const out of this.valve.inputStatus(i, element.kind === "idle")) this.pending.push(out);
          if (this.pending.length > 0) return this.pending.shift();
          break;
        case "end": {
          if (this.ended[i]) break;
          this.ended[i] = true;
          this.endedCount++;
          const advanced = this.valve.inputEnded(i);
          if (advanced !== null) this.pending.push({ kind: "watermark", timestamp: advanced });
          if (this.endedCount === n) this.pending.push({ kind: "end" });
          if (this.pending.length > 0) return this.pending.shift();
          break;
        }
      }
    }
    return undefined;
  }
}
