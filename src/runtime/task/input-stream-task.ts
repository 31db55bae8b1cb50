/**
 * @module runtime/task/input-stream-task
 * A task fed by channels from upstream tasks: takes one element at a time from its InputGate and
 * passes it to the chain head; ends when every input channel has ended.
 */
import type { MetricGroup } from "../../core/index.ts";
import { InputGate } from "../channels/input-gate.ts";
import type { InputChannel } from "../channels/local-channel.ts";
import type { ChainedOperator } from "./chained-operator.ts";
import type { RecordWriter } from "./record-writer.ts";
import { StreamTask, type JobRunControl } from "./stream-task.ts";

export class InputStreamTask extends StreamTask {
  private readonly gate: InputGate;

  constructor(
    name: string,
    chain: readonly ChainedOperator[],
    writers: readonly RecordWriter[],
    control: JobRunControl,
    metrics: MetricGroup,
    inputs: readonly InputChannel<unknown>[],
  ) {
    super(name, chain, writers, control, metrics);
    this.gate = new InputGate(inputs, this.wakeup);
  }

  protected async openInput(): Promise<void> {}

  protected async processInput(): Promise<void> {
    const head = this.chain[0]!;
    const gate = this.gate;
    for (;;) {
      this.checkCancelled();
      await this.awaitOutputs();
      this.runMail();
      const element = gate.poll();
      if (element === undefined) {
        await this.idle();
        continue;
      }
      switch (element.kind) {
        case "batch":
          head.processBatch(element.batch);
          break;
        case "watermark":
          head.processWatermark(element.timestamp);
          break;
        case "idle":
        case "active":
          head.processStatus(element.kind === "idle");
          break;
        case "barrier":
          // Checkpoint barriers are aligned here once checkpointing lands; nothing emits them yet.
          break;
        case "end":
          head.endInput();
          return;
      }
      await this.maybeYield();
    }
  }
}
