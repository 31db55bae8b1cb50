/** Tests of the InputGate: watermark merging, end of input, barrier alignment and the unaligned fallback. */
import { describe, expect, test } from "bun:test";
import type { CheckpointBarrier, StreamElement } from "../../core/index.ts";
import { InputGate, type GateElement } from "./input-gate.ts";
import { LocalChannel } from "./local-channel.ts";
import { Wakeup } from "./wakeup.ts";

const rec = (v: number): StreamElement<unknown> => ({ kind: "batch", batch: { values: [v], timestamps: [v] } });
const barrier = (id: number): StreamElement<unknown> => ({ kind: "barrier", barrier: { checkpointId: id, timestamp: 0, thenStop: false } });

function gate(n: number) {
  const channels = Array.from({ length: n }, () => new LocalChannel<unknown>(100));
  return { channels, gate: new InputGate(channels, new Wakeup()) };
}

function drain(g: InputGate): string[] {
  const out: string[] = [];
  for (let e: GateElement | undefined = g.poll(); e !== undefined; e = g.poll()) {
    if (e.kind === "batch") out.push(`r${String(e.batch.values[0])}`);
    else if (e.kind === "barrier") out.push(`B${(e.barrier as CheckpointBarrier).checkpointId}`);
    else if (e.kind === "watermark") out.push(`w${e.timestamp}`);
    else if (e.kind === "channel-state") out.push(`cs${e.checkpointId}:${e.batches.map((b) => b.values[0]).join(",")}`);
    else out.push(e.kind);
  }
  return out;
}

describe("InputGate", () => {
  test("aligns a barrier: records after it on a fast channel wait until every channel delivered it", () => {
    const { channels, gate: g } = gate(2);
    channels[0]!.push(rec(1));
    channels[0]!.push(barrier(1));
    channels[0]!.push(rec(2)); // after the barrier: must not come out before B1
    channels[1]!.push(rec(10));
    channels[1]!.push(rec(11));
    expect(drain(g)).toEqual(["r1", "r10", "r11"]);
    expect(g.alignmentStartedAt).not.toBeNull();
    channels[1]!.push(barrier(1));
    channels[1]!.push(rec(12));
    expect(drain(g)).toEqual(["B1", "r2", "r12"]);
    expect(g.alignmentStartedAt).toBeNull();
  });

  test("an ended channel counts as having delivered the barrier", () => {
    const { channels, gate: g } = gate(2);
    channels[0]!.push(barrier(3));
    channels[0]!.push(rec(1));
    channels[1]!.push({ kind: "end" });
    expect(drain(g)).toEqual(["B3", "r1"]);
  });

  test("a newer barrier abandons an unfinished alignment; stale barriers are ignored", () => {
    const { channels, gate: g } = gate(2);
    channels[0]!.push(barrier(1));
    expect(drain(g)).toEqual([]);
    channels[1]!.push(barrier(2)); // checkpoint 1 was aborted upstream
    channels[0]!.push(barrier(2));
    channels[1]!.push(barrier(1));
    expect(drain(g)).toEqual(["B2"]);
  });

  test("unaligned fallback: snapshot at once, record pre-barrier data of lagging channels as channel state", () => {
    const { channels, gate: g } = gate(2);
    channels[0]!.push(barrier(7));
    channels[0]!.push(rec(100)); // post-barrier, not recorded
    channels[1]!.push(rec(1));
    expect(drain(g)).toEqual(["r1"]);
    const b = g.switchToUnaligned();
    expect(b?.checkpointId).toBe(7);
    channels[1]!.push(rec(2));
    channels[1]!.push(rec(3));
    channels[1]!.push(barrier(7));
    channels[1]!.push(rec(4));
    // Everything flows; r2 and r3 (before B7 on the lagging channel) are recorded.
    expect(drain(g)).toEqual(["r100", "r2", "r3", "cs7:2,3", "r4"]);
  });

  test("watermarks: minimum over inputs, emitted when it advances; end after all channels ended", () => {
    const { channels, gate: g } = gate(2);
    channels[0]!.push({ kind: "watermark", timestamp: 5 });
    channels[1]!.push({ kind: "watermark", timestamp: 3 });
    channels[1]!.push({ kind: "watermark", timestamp: 9 });
    expect(drain(g)).toEqual(["w3", "w5"]);
    channels[0]!.push({ kind: "end" });
    expect(drain(g)).toEqual(["w9"]);
    channels[1]!.push({ kind: "end" });
    expect(drain(g)).toEqual(["w" + Number.POSITIVE_INFINITY, "end"]);
  });
});
