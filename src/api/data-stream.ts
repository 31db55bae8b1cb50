/**
 * @module api/data-stream
 * DataStream<T>: a typed stream of records and its transformations. Each call adds a node to the
 * environment's plan and returns the stream of the new node; nothing runs until `env.execute()`.
 */
import { OutputTag, PlanError } from "../core/index.ts";
import { parseFileSinkConfig, parseKafkaSinkOptions, parsePulsarSinkOptions, type FileFormat, type KafkaSinkInput, type KafkaSinkTestHooks, type PulsarSinkOptionsInput, type SinkFunction } from "../connectors/index.ts";
import type { ProcessFunction } from "../operators/index.ts";
import type { Partitioning } from "../plan/index.ts";
import { KeyedStream } from "./keyed-stream.ts";
import type { MutableNode, PlanBuilder } from "./plan-builder.ts";
import type { OperatorOptions } from "./types.ts";

/** Records gathered by `collect()`; filled while the job runs, complete when `execute()` resolves. */
export interface CollectHandle<T> {
  readonly values: T[];
}

export class DataStream<T> {
  /** Partitioning of the next edge out of this stream ("default": forward, or rebalance on a parallelism change). */
  protected nextPartitioning: Partitioning | "default" = "default";

  /** @internal */
  constructor(
    protected readonly builder: PlanBuilder,
    /** @internal */ readonly node: MutableNode,
    protected readonly sideOutput?: string,
  ) {}

  /** @internal Add a node fed by this stream. */
  protected then<O>(kind: string, name: string, config: MutableNode["config"], fns: Record<string, unknown>, options: OperatorOptions = {}): DataStream<O> {
    const node = this.builder.addNode(kind, options.name ?? name, config, fns);
    this.configure(node, options);
    this.builder.addEdge(this.node, node, this.nextPartitioning, this.sideOutput);
    return new DataStream<O>(this.builder, node);
  }

  protected configure(node: MutableNode, options: OperatorOptions): void {
    if (options.uid !== undefined) node.uid = options.uid;
    if (options.parallelism !== undefined) setParallelism(node, options.parallelism);
  }

  /**
   * One output per record.
   * @example
   * env.fromElements([1, 2, 3]).map((n) => n * 2);
   */
  map<O>(fn: (value: T) => O, options?: OperatorOptions): DataStream<O> {
    return this.then<O>("map", "Map", {}, { fn }, options);
  }

  /**
   * Keep the records for which `predicate` is true.
   * @example
   * events.filter((e) => e.value > 0);
   */
  filter(predicate: (value: T) => boolean, options?: OperatorOptions): DataStream<T> {
    return this.then<T>("filter", "Filter", {}, { fn: predicate }, options);
  }

  /**
   * Zero or more outputs per record; return an array (fastest) or any iterable.
   * @example
   * lines.flatMap((line) => line.split(" "));
   */
  flatMap<O>(fn: (value: T) => Iterable<O>, options?: OperatorOptions): DataStream<O> {
    return this.then<O>("flatMap", "FlatMap", {}, { fn }, options);
  }

  /**
   * A low-level function per record with access to event time and side outputs.
   * @example
   * stream.process({ processElement(v, ctx, out) { if (v < 0) ctx.output(errors, v); else out.collect(v); } });
   */
  process<O>(fn: ProcessFunction<T, O>, options?: OperatorOptions): DataStream<O> {
    return this.then<O>("process", "Process", {}, { fn }, options);
  }

  /**
   * Partition by key: records with equal keys go to the same subtask, and keyed state and windows
   * are per key. Keys may be strings, numbers or arrays/objects of them (hashed by their JSON).
   * @example
   * events.keyBy((e) => e.user).reduce((a, b) => ({ ...a, total: a.total + b.total }));
   */
  keyBy<K>(key: (value: T) => K): KeyedStream<T, K> {
    return new KeyedStream<T, K>(this.builder, this.node, key, this.sideOutput);
  }

  /**
   * Merge streams of the same type.
   * @example
   * clicks.union(moreClicks, evenMoreClicks);
   */
  union(...others: DataStream<T>[]): DataStream<T> {
    const node = this.builder.addNode("identity", "Union", {}, {});
    const inputs = [this as DataStream<T>, ...others];
    for (const stream of inputs) {
      if (stream.builder !== this.builder) throw new PlanError("union() needs streams of the same StreamEnvironment");
      this.builder.addEdge(stream.node, node, stream.nextPartitioning, stream.sideOutput);
    }
    // The union runs at the largest input parallelism (resolved when the plan is built).
    node.inheritFrom = inputs.map((s) => s.node.id);
    return new DataStream<T>(this.builder, node);
  }

  private repartition(partitioning: Partitioning): DataStream<T> {
    const stream = new DataStream<T>(this.builder, this.node, this.sideOutput);
    stream.nextPartitioning = partitioning;
    return stream;
  }

  /** Spread records evenly (round-robin by batch) over the next operator's subtasks. */
  rebalance(): DataStream<T> {
    return this.repartition("rebalance");
  }
  /** Send every record to every subtask of the next operator. */
  broadcast(): DataStream<T> {
    return this.repartition("broadcast");
  }
  /** Subtask i feeds subtask i of the next operator (needs equal parallelism). */
  forward(): DataStream<T> {
    return this.repartition("forward");
  }

  /**
   * The records an operator sent to side output `tag` (late data of a window, ...).
   * @example
   * const late = new OutputTag<Event>("late");
   * const sums = keyed.window(TumblingEventTimeWindows.of(1000)).sideOutputLateData(late).sum("v");
   * sums.getSideOutput(late).print();
   */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    const node = this.builder.addNode("identity", `SideOutput(${tag.id})`, {}, {});
    node.inheritFrom = [this.node.id];
    this.builder.addEdge(this.node, node, "default", tag.id);
    return new DataStream<X>(this.builder, node);
  }

  /** Set this operator's parallelism. */
  setParallelism(parallelism: number): this {
    setParallelism(this.node, parallelism);
    return this;
  }
  /** Set this operator's display name. */
  name(name: string): this {
    this.node.name = name;
    return this;
  }
  /** Set this operator's stable id (for state in savepoints). */
  uid(uid: string): this {
    this.node.uid = uid;
    return this;
  }

  /**
   * Print every record to stdout (strings as they are, other values as JSON).
   * @example
   * env.fromElements(["a", "b"]).print();
   */
  print(options?: OperatorOptions): void {
    this.then("sink:print", "Print", {}, {}, options);
  }

  /**
   * Gather every record in memory; read `handle.values` after `await env.execute()`.
   * @example
   * const out = stream.collect();
   * await env.execute();
   * console.log(out.values);
   */
  collect(options?: OperatorOptions): CollectHandle<T> {
    const handle: CollectHandle<T> = { values: [] };
    const onBatch = (values: readonly T[]) => {
      for (const v of values) handle.values.push(v);
    };
    this.then("sink:collect", "Collect", {}, { onBatch }, options);
    return handle;
  }

  /**
   * Send records to a sink: a SinkFunction (called per batch) or a plain function per batch.
   * @example
   * stream.sinkTo({ writeBatch: (values) => db.insert(values) });
   */
  sinkTo(sink: SinkFunction<T> | ((values: readonly T[]) => void), options?: OperatorOptions): void {
    if (typeof sink === "function") this.then("sink:collect", "Sink", {}, { onBatch: sink }, options);
    else this.then("sink:function", "Sink", {}, { sink }, options);
  }

  /**
   * Write records exactly-once to part files in directory `path` (Flink's FileSink, row format): one
   * line per record, as JSON (`format: "jsonl"`, the default) or `String(value)` (`"text"`). Subtask s
   * writes hidden `.part-s-n.inprogress` files and renames each to `part-s-n.jsonl` (or `.txt`) when the
   * checkpoint covering it completes, so readers see every record once even across failures. Without
   * checkpointing the files appear at end of input (at-least-once if the job fails after some
   * subtasks have ended).
   * @example
   * env.fromElements([{ word: "a", n: 1 }]).writeToFiles("/tmp/counts");
   * env.fromElements(["x", "y"]).writeToFiles("/tmp/lines", { format: "text", parallelism: 1 });
   */
  writeToFiles(path: string, options: OperatorOptions & { readonly format?: FileFormat } = {}): void {
    const { format = "jsonl", ...operatorOptions } = options;
    const config = { path, format };
    // Fail at the call, not when the job starts: the same check the registry runs.
    parseFileSinkConfig({ id: "(new)", kind: "sink:file", name: options.name ?? "FileSink", config });
    this.then("sink:file", "FileSink", config, {}, operatorOptions);
  }

  /**
   * Write records to the Kafka topic `options.topic` (it must exist). `delivery`:
   * - `"exactly-once"`: Kafka transactions committed when the checkpoint covering them completes
   *   (read the topic with isolation read_committed); needs checkpointing for output before the end of
   *   input, and `transactionTimeoutMs` (default 5 min) at least max(60 s, 2 x checkpoint interval).
   * - `"at-least-once"` (default): idempotent producer, flushed at every checkpoint; with `dedup: true`
   *   the replay after a restore skips what the failed attempt already wrote (see the connector README).
   * - `"none"`: fire-and-forget; a failed send fails the job at the next checkpoint or at end of input.
   * Values are encoded by `format` ("json" default, "string", "raw" bytes); `key` picks a record's key
   * (encoded by `keyFormat`, default "string"), which also picks its partition.
   * @example
   * counts.sinkToKafka({
   *   connection: { bootstrapServers: "127.0.0.1:9092" },
   *   topic: "word-counts",
   *   delivery: "exactly-once",
   *   transactionalIdPrefix: "word-count-job",
   *   key: (c) => c.word,
   * });
   */
  sinkToKafka(
    options: Omit<KafkaSinkInput, "checkpointIntervalMs"> &
      OperatorOptions & {
        readonly key?: (value: T) => unknown;
        readonly recordId?: (value: T) => string;
        /** @internal failure injection in tests */
        readonly testHooks?: KafkaSinkTestHooks;
      },
  ): void {
    const { key, recordId, testHooks, name, uid, parallelism, ...sinkOptions } = options;
    const config = { ...sinkOptions, checkpointIntervalMs: this.builder.checkpointInterval() };
    // Fail at the call, not when the job starts: the same check the registry runs.
    parseKafkaSinkOptions(config, `sink:kafka '${name ?? "KafkaSink"}'`);
    const fns: Record<string, unknown> = {};
    if (key !== undefined) fns.key = key;
    if (recordId !== undefined) fns.recordId = recordId;
    if (testHooks !== undefined) fns.testHooks = testHooks;
    const operatorOptions: OperatorOptions = { ...(name === undefined ? {} : { name }), ...(uid === undefined ? {} : { uid }), ...(parallelism === undefined ? {} : { parallelism }) };
    this.then("sink:kafka", "KafkaSink", config as unknown as MutableNode["config"], fns, operatorOptions);
  }

  /**
   * Write records to an Apache Pulsar topic: NOT AVAILABLE in this build (no Pulsar broker can be run
   * here; a later release adds it). The options are validated here; running or submitting the job
   * fails at job build with a PlanError (code PULSAR_UNAVAILABLE).
   */
  sinkToPulsar(options: PulsarSinkOptionsInput & OperatorOptions): void {
    const { name, uid, parallelism, ...config } = options;
    parsePulsarSinkOptions(config, `sinkToPulsar '${name ?? "PulsarSink"}'`);
    const operatorOptions: OperatorOptions = { ...(name === undefined ? {} : { name }), ...(uid === undefined ? {} : { uid }), ...(parallelism === undefined ? {} : { parallelism }) };
    this.then("sink:pulsar", "PulsarSink", config as unknown as MutableNode["config"], {}, operatorOptions);
  }

  /** Discard every record (benchmarks). */
  discard(options?: OperatorOptions): void {
    this.then("sink:discard", "Discard", {}, {}, options);
  }
}

/** @internal */
export function setParallelism(node: MutableNode, parallelism: number): void {
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new PlanError(`parallelism of '${node.name}' must be a positive integer, got ${parallelism}`);
  }
  node.parallelism = parallelism;
  node.explicitParallelism = true;
}
