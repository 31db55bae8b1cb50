/**
 * @module connectors/print/print-sink
 * Prints every record on stdout, one line each: strings as they are, other values as JSON. With
 * parallelism > 1 each line is prefixed by the subtask number, as Flink's print() does ("2> ...").
 * A batch is written with one write call.
 */
import type { Operator, OperatorContext, Output, RecordBatch } from "../../core/index.ts";

export type LineWriter = (text: string) => void;

function format(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value);
}

export class PrintSink implements Operator<unknown, never> {
  private prefix = "";

  constructor(private readonly write: LineWriter = (text) => void process.stdout.write(text)) {}

  open(ctx: OperatorContext): void {
    if (ctx.location.parallelism > 1) this.prefix = `${ctx.location.subtaskIndex + 1}> `;
  }

  processBatch(batch: RecordBatch<unknown>, _out: Output<never>): void {
    let text = "";
    for (const v of batch.values) text += `${this.prefix}${format(v)}\n`;
    if (text.length > 0) this.write(text);
  }
}
