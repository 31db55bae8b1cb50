/**
 * @module runtime/task/input-stream-task
 * A task fed by channels from upstream tasks: takes one element at a time from its InputGate and
 * passes it to the chain head; ends when every input channel has ended.
 */
import type { MetricGroup, RecordBatch } from "../../core/index.ts";
import { InputGate } from "../channels/input-gate.ts";
import type { InputChannel } from "../channels/local-channel.ts";
import type { ChainedOperator } from "./chained-operator.ts";
import type { RecordWriter } from "./record-writer.ts";
import { StreamTask, type JobRunControl, type TaskCheckpointing } from "./stream-task.ts";

export class InputStreamTask extends StreamTask {
  private readonly gate: InputGate;

  constructor(
    name: string,
    chain: readonly ChainedOperator[],
    writers: readonly RecordWriter[],
    control: JobRunControl,
    metrics: MetricGroup,
    checkpointing: TaskCheckpointing,
    inputs: readonly InputChannel<unknown>[],
    /** Channel state of an unaligned checkpoint restored into this task: replayed before any input. */
    private readonly replay: readonly RecordBatch<unknown>[] = [],
  ) {
    super(name, chain, writers, control, metrics, checkpointing);
    this.gate = new InputGate(inputs, this.wakeup);
  }

  protected async openInput(): Promise<void> {}

  /** Switch a too-long alignment to an unaligned checkpoint; returns ms until the timeout otherwise. */
  private checkAlignmentTimeout(): number | null {
    const timeout = this.checkpointing.alignmentTimeoutMs;
    const started = this.gate.alignmentStartedAt;
    if (timeout <= 0 || started === null) return null;
    const left = started + timeout - performance.now();
    if (left > 0) return left;
    const barrier = this.gate.switchToUnaligned();
    if (barrier !== null) this.performCheckpoint(barrier, true);
    return null;
  }

  protected async processInput(): Promise<void> {
    const head = this.chain[0]!;
    const gate = this.gate;
    for (const batch of this.replay) {
      await this.awaitOutputs();
      head.processBatch(batch);
    }
    for (;;) {
      this.checkCancelled();
      const ready = this.beforeInput();
      if (ready !== undefined) await ready;
      const left = this.checkAlignmentTimeout();
      const element = gate.poll();
      if (element === undefined) {
        if (left === null) await this.idle();
        else await Promise.race([this.idle(), new Promise((r) => setTimeout(r, Math.ceil(left)))]);
        continue;
      }
      switch (element.kind) {
        case "batch":
          head.processBatch(element.batch);
          break;
        case "watermark":
          // After a stop-with-savepoint barrier nothing may fire: the resumed job owns that state.
          if (!this.stopRequested) head.processWatermark(element.timestamp);
          break;
        case "idle":
        case "active":
          head.processStatus(element.kind === "idle");
          break;
        case "barrier":
          this.performCheckpoint(element.barrier);
          break;
        case "channel-state":
          this.completeUnaligned(element.checkpointId, element.batches);
          break;
        case "end":
          if (this.stopRequested) for (const writer of this.writers) writer.endInput();
          else head.endInput();
          return;
      }
      const yielded = this.maybeYield();
      if (yielded !== undefined) await yielded;
    }
  }
}
