/**
 * @module api/keyed-stream
 * KeyedStream<T, K>: a stream partitioned by key. Its operators (reduce, process, window) keep state
 * per key; the edge into them is a hash edge on the key.
 */
import { DataStream, setParallelism } from "./data-stream.ts";
import type { KeyedProcessFunction, WindowAssignerSpec } from "../operators/index.ts";
import type { MutableNode, PlanBuilder } from "./plan-builder.ts";
import type { OperatorOptions } from "./types.ts";
import { WindowedStream } from "./windowed-stream.ts";

export class KeyedStream<T, K> {
  /** @internal */
  constructor(
    private readonly builder: PlanBuilder,
    private readonly input: MutableNode,
    private readonly key: (value: T) => K,
    private readonly sideOutput: string | undefined,
  ) {}

  /** @internal Add a keyed node fed through a hash edge. */
  keyedNode<O>(kind: string, name: string, config: MutableNode["config"], fns: Record<string, unknown>, options: OperatorOptions = {}): DataStream<O> {
    const node = this.builder.addNode(kind, options.name ?? name, config, { ...fns, key: this.key }, { type: "udf" });
    if (options.uid !== undefined) node.uid = options.uid;
    if (options.parallelism !== undefined) setParallelism(node, options.parallelism);
    this.builder.addEdge(this.input, node, "hash", this.sideOutput);
    return new DataStream<O>(this.builder, node);
  }

  /**
   * Rolling reduce: emits the key's folded value after every record.
   * @example
   * words.keyBy((w) => w.word).reduce((a, b) => ({ word: a.word, count: a.count + b.count }));
   */
  reduce(fn: (a: T, b: T) => T, options?: OperatorOptions): DataStream<T> {
    return this.keyedNode<T>("keyed-reduce", "Reduce", {}, { fn }, options);
  }

  /**
   * A function per record with keyed state and event/processing-time timers.
   * @example
   * keyed.process({
   *   open(ctx) { this.count = ctx.getState(valueState<number>("count", 0)); },
   *   processElement(v, ctx, out) { this.count.update(this.count.value()! + 1); },
   * });
   */
  process<O>(fn: KeyedProcessFunction<K, T, O>, options?: OperatorOptions): DataStream<O> {
    return this.keyedNode<O>("keyed-process", "KeyedProcess", {}, { fn }, options);
  }

  /**
   * Group each key's records into event-time windows.
   * @example
   * keyed.window(TumblingEventTimeWindows.of(5000)).sum("value");
   */
  window(assigner: WindowAssignerSpec): WindowedStream<T, K> {
    return new WindowedStream<T, K>(this, assigner);
  }
}
