/**
 * @module api/environment
 * StreamEnvironment: where a job is defined (sources, then transformations) and executed. `execute()`
 * hands the plan to the registered executor: the in-process runtime by default (wired in src/index.ts,
 * because api/ may not import runtime/), a cluster client when submitting.
 */
import { ConfigError, PlanError, type Source } from "../core/index.ts";
import {
  NEXMARK_WATERMARK_DELAY_MS,
  parseKafkaSourceConfig,
  parseNexmarkSourceConfig,
  type NexmarkSourceConfig,
  parsePulsarSourceOptions,
  inferSchema,
  parseFileSourceConfig,
  parseStdinSourceConfig,
  sampleFile,
  type BadRecordPolicy,
  type RecordSchema,
  type TextFormat,
  type Auction,
  type Bid,
  type NexmarkEvent,
  type NexmarkTable,
  type Person,
  type KafkaMessage, type KafkaSourceConfigInput, type PulsarSourceOptionsInput, type ValueSchema } from "../connectors/index.ts";
import { buildJobGraph, explainJobGraph, type JobDefinition } from "../plan/index.ts";
import { DataStream } from "./data-stream.ts";
import { resolveOptions, type EnvironmentOptions, type ResolvedEnvironmentOptions } from "./options.ts";
import { PlanBuilder } from "./plan-builder.ts";
import type { OperatorOptions } from "./types.ts";
import type { WatermarkStrategy } from "./watermark-strategy.ts";

/** Event-time settings of a source. */
export interface SourceOptions<T> extends OperatorOptions {
  /** Event time of a record, epoch ms. */
  readonly timestamps?: (value: T) => number;
  /** How watermarks follow the timestamps (needs `timestamps`). */
  readonly watermarks?: WatermarkStrategy;
  /** Records per emitted batch (default: the environment's batchSize). */
  readonly batchSize?: number;
}

export interface GeneratorSourceOptions<T> extends SourceOptions<T> {
  /** Records per second over all subtasks (default: as fast as possible). */
  readonly ratePerSecond?: number;
}

/**
 * Options of `env.fromFile` / `env.fromStdin` (see src/connectors/file/file-source.ts). Records are
 * objects: CSV rows keyed by column (strings unless `schema` is given), JSON lines as parsed.
 */
export interface TextSourceOptions<T> extends SourceOptions<T> {
  readonly format: TextFormat;
  /** CSV: the first record names the columns (default true). */
  readonly header?: boolean;
  /** CSV field delimiter (default ","). */
  readonly delimiter?: string;
  /** CSV column names when `header: false` (default: the schema's columns, else f0, f1, ...). */
  readonly columns?: readonly string[];
  /**
   * Column types to coerce each record to (BIGINT, DOUBLE, BOOLEAN, VARCHAR, TIMESTAMP(3) as epoch ms),
   * or "infer" (fromFile only): inferred from the first 1000 records when the job is defined.
   */
  readonly schema?: RecordSchema | "infer";
  /** A malformed record fails the job, naming the line (default), or is skipped and counted. */
  readonly onBadRecord?: BadRecordPolicy;
}

/**
 * Options of `env.fromNexmark`: the `source:nexmark` config (documented on NexmarkSourceConfig and in
 * src/connectors/datagen/README.md) without the table, a batch size defaulting to the environment's,
 * and watermarks trailing the largest dateTime seen (default: boundedOutOfOrderness(4000)).
 */
export type NexmarkStreamOptions = OperatorOptions &
  Omit<NexmarkSourceConfig, "table" | "batchSize"> & {
    readonly batchSize?: number;
    readonly watermarks?: WatermarkStrategy;
  };

/** The element type of `env.fromNexmark(table)`. */
export type NexmarkRecord<T extends NexmarkTable> = T extends "bid" ? Bid : T extends "auction" ? Auction : T extends "person" ? Person : NexmarkEvent;

/**
 * Options of `env.fromKafka`: the Kafka source options (see src/connectors/kafka/README.md) plus the
 * parts that are not JSON: zod schemas validating JSON keys/values (they also type the stream), a
 * timestamp function, a RegExp topic pattern, and a WatermarkStrategy (its idleness is the
 * per-partition `idleTimeoutMs`).
 */
export type KafkaStreamOptions = Omit<KafkaSourceConfigInput, "topicPattern" | "watermarks"> &
  OperatorOptions & {
    readonly topicPattern?: RegExp | string;
    /** Validates (and types) JSON values; a mismatch is a bad record. Needs `format: "json"`. */
    readonly schema?: ValueSchema<unknown>;
    /** Validates (and types) JSON keys. Needs `keyFormat: "json"`. */
    readonly keySchema?: ValueSchema<unknown>;
    /** Per-partition bounded out-of-orderness, e.g. `boundedOutOfOrderness(1000).withIdleness(5000)`. */
    readonly watermarks?: { readonly maxOutOfOrdernessMs: number; readonly idleTimeoutMs?: number };
  };

type DecodedAs<O, Format extends string, Schema extends string> = O extends { readonly [k in Schema]: ValueSchema<infer T> }
  ? T
  : O extends { readonly [k in Format]: "string" }
    ? string
    : O extends { readonly [k in Format]: "json" }
      ? unknown
      : Uint8Array;

/** The element type of `env.fromKafka(options)`: decoded by format, typed by schema, or a KafkaMessage. */
export type KafkaStreamElement<O> = O extends { readonly withMetadata: true }
  ? KafkaMessage<DecodedAs<O, "format", "schema">, O extends { readonly keyFormat: string } ? DecodedAs<O, "keyFormat", "keySchema"> : Uint8Array | null>
  : DecodedAs<O, "format", "schema">;

/** What an executor reports when a job finishes. */
export interface ExecutionResult {
  readonly jobName: string;
  readonly durationMs: number;
  /** Per plan node id: name, parallelism and counters summed over subtasks (numRecordsIn, ...). */
  readonly operators: Readonly<Record<string, { readonly name: string; readonly parallelism: number; readonly counters: Readonly<Record<string, number>> }>>;
}

/** A handle on a job started with `executeAsync()`. */
export interface JobClient {
  readonly jobId: string;
  /** Cancel the job; `result` rejects. */
  cancel(): void;
  /** Write a savepoint into `dir` while the job keeps running; resolves with its path. */
  savepoint(dir: string): Promise<string>;
  /** Write a savepoint into `dir`, then stop the job (`result` resolves). */
  stopWithSavepoint(dir: string): Promise<string>;
  /** Resolves when the job ends. */
  readonly result: Promise<ExecutionResult>;
}

/** Runs a job definition: the local runtime, or a cluster. `onStart` receives the job's controls. */
export type Executor<R extends ExecutionResult = ExecutionResult> = (
  job: JobDefinition,
  options: ResolvedEnvironmentOptions,
  onStart?: (controls: Omit<JobClient, "result">) => void,
) => Promise<R>;

let defaultExecutor: Executor | undefined;

/** Install the executor `execute()` uses (src/index.ts installs the local runtime). */
export function setDefaultExecutor(executor: Executor): void {
  defaultExecutor = executor;
}

export class StreamEnvironment {
  readonly options: ResolvedEnvironmentOptions;
  private readonly builder: PlanBuilder;

  private constructor(options: EnvironmentOptions) {
    this.options = resolveOptions(options);
    this.builder = new PlanBuilder(() => this.options.parallelism, () => this.options.checkpointInterval);
  }

  /**
   * A new environment; options are validated (a bad value names the key and what it takes).
   * @example
   * const env = StreamEnvironment.create({ parallelism: 2 });
   */
  static create(options: EnvironmentOptions = {}): StreamEnvironment {
    return new StreamEnvironment(options);
  }

  private sourceConfig<T>(options: SourceOptions<T>): { config: Record<string, never>; fns: Record<string, unknown> } {
    if (options.watermarks !== undefined && options.timestamps === undefined) {
      throw new ConfigError("a source with 'watermarks' also needs 'timestamps' (the event time of each record)");
    }
    const config: Record<string, unknown> = { batchSize: options.batchSize ?? this.options.batchSize };
    const fns: Record<string, unknown> = {};
    if (options.timestamps !== undefined) {
      fns.timestamps = options.timestamps;
      const wm = options.watermarks;
      config.watermarks = wm === undefined ? { maxOutOfOrdernessMs: 0, idleTimeoutMs: 0 } : { maxOutOfOrdernessMs: wm.maxOutOfOrdernessMs, idleTimeoutMs: wm.idleTimeoutMs };
    }
    return { config: config as Record<string, never>, fns };
  }

  private source<T>(kind: string, name: string, config: Record<string, unknown>, fns: Record<string, unknown>, options: OperatorOptions): DataStream<T> {
    const node = this.builder.addNode(kind, options.name ?? name, config as Record<string, never>, fns);
    const stream = new DataStream<T>(this.builder, node);
    if (options.uid !== undefined) stream.uid(options.uid);
    if (options.parallelism !== undefined) stream.setParallelism(options.parallelism);
    return stream;
  }

  /**
   * A bounded stream of the given elements, split round-robin over the source's subtasks.
   * @example
   * env.fromElements(events, { timestamps: (e) => e.ts, watermarks: boundedOutOfOrderness(1000) });
   */
  fromElements<T>(elements: readonly T[], options: SourceOptions<T> = {}): DataStream<T> {
    const { config, fns } = this.sourceConfig(options);
    return this.source<T>("source:elements", "Elements", config, { ...fns, elements }, options);
  }

  /**
   * A deterministic stream of `count` records: record i is `generate(i)`. The index range is split
   * into contiguous slices per subtask, so any parallelism yields the same records.
   * @example
   * env.fromGenerator(1_000_000, (i) => ({ key: i % 100, value: i }));
   */
  fromGenerator<T>(count: number, generate: (index: number) => T, options: GeneratorSourceOptions<T> = {}): DataStream<T> {
    if (!Number.isInteger(count) || count < 0) throw new ConfigError(`fromGenerator count must be a non-negative integer, got ${count}`);
    const { config, fns } = this.sourceConfig(options);
    return this.source<T>("source:generator", "Generator", { ...config, count, ratePerSecond: options.ratePerSecond ?? 0 }, { ...fns, generate }, options);
  }

  /**
   * The Nexmark benchmark's events (persons, auctions, bids): deterministic, the same at any
   * parallelism and after a restore. A table ("bid", "auction", "person") keeps one kind of the global
   * sequence; "all" gives NexmarkEvent wrappers. Event time is each record's dateTime, with a 4 s
   * bounded-out-of-orderness watermark unless `watermarks` says otherwise.
   * @example
   * const bids = env.fromNexmark("bid", { events: 1_000_000, rate: 10_000 }); // DataStream<Bid>
   * bids.filter((b) => b.price > 10_000).map((b) => ({ auction: b.auction, price: b.price }));
   */
  fromNexmark<T extends NexmarkTable>(table: T, options: NexmarkStreamOptions): DataStream<NexmarkRecord<T>> {
    const { name, uid, parallelism, watermarks, batchSize, ...rest } = options;
    const config: Record<string, unknown> = { table, batchSize: batchSize ?? this.options.batchSize };
    for (const [key, value] of Object.entries(rest)) if (value !== undefined) config[key] = value;
    parseNexmarkSourceConfig(config); // fail at definition time, naming the bad key
    config.watermarks = { maxOutOfOrdernessMs: watermarks?.maxOutOfOrdernessMs ?? NEXMARK_WATERMARK_DELAY_MS, idleTimeoutMs: watermarks?.idleTimeoutMs ?? 0 };
    const operatorOptions: OperatorOptions = { ...(name === undefined ? {} : { name }), ...(uid === undefined ? {} : { uid }), ...(parallelism === undefined ? {} : { parallelism }) };
    return this.source<NexmarkRecord<T>>("source:nexmark", `Nexmark(${table})`, config, {}, operatorOptions);
  }

  /**
   * A bounded stream of the records of a CSV or JSON-lines file, read in chunks; the read position
   * (byte offset of the next record) is checkpointed, so a restored job continues exactly after the
   * last checkpointed record, at any parallelism. Record i goes to subtask i % parallelism (each
   * subtask scans the file, decoding only its records). A missing file or a malformed record fails the job
   * with the path (and line); `onBadRecord: "skip"` skips and counts bad records instead.
   * @example
   * // orders.csv: id,amount,ts  with ts ISO-8601
   * env.fromFile("orders.csv", { format: "csv", schema: "infer", timestamps: (o) => o.ts as number, watermarks: boundedOutOfOrderness(1000) });
   * env.fromFile<{ user: string; n: number }>("events.jsonl", { format: "jsonl" }).keyBy((e) => e.user);
   */
  fromFile<T = Record<string, unknown>>(path: string, options: TextSourceOptions<T>): DataStream<T> {
    const { config, fns } = this.sourceConfig(options);
    const fileConfig: Record<string, unknown> = { ...config, path, ...this.textOptions(options) };
    const parsed = parseFileSourceConfig(fileConfig, options.name ?? "FileSource"); // fail at definition time, naming the bad key
    if (options.schema === "infer") fileConfig.schema = inferSchema(sampleFile(parsed, 1000));
    return this.source<T>("source:file", "FileSource", fileConfig, fns, options);
  }

  /**
   * A bounded stream of the CSV or JSON-lines records piped into this process's stdin; ends at EOF.
   * Not replayable: a job reading stdin cannot be restored from a checkpoint (restoring fails with
   * STDIN_NOT_REPLAYABLE), so read a file when the job must survive failures.
   * @example
   * // cat events.jsonl | bun job.ts
   * env.fromStdin({ format: "jsonl" }).keyBy((e) => String(e.key)).sum("v").print();
   */
  fromStdin<T = Record<string, unknown>>(options: TextSourceOptions<T>): DataStream<T> {
    if (options.schema === "infer") throw new ConfigError(`fromStdin: schema "infer" is not supported (stdin cannot be sampled and re-read); give the column types`);
    const { config, fns } = this.sourceConfig(options);
    const stdinConfig: Record<string, unknown> = { ...config, ...this.textOptions(options) };
    parseStdinSourceConfig(stdinConfig, options.name ?? "StdinSource");
    return this.source<T>("source:stdin", "StdinSource", stdinConfig, fns, options);
  }

  private textOptions<T>(options: TextSourceOptions<T>): Record<string, unknown> {
    const out: Record<string, unknown> = { format: options.format };
    if (options.header !== undefined) out.header = options.header;
    if (options.delimiter !== undefined) out.delimiter = options.delimiter;
    if (options.columns !== undefined) out.columns = [...options.columns];
    if (options.schema !== undefined && options.schema !== "infer") out.schema = { ...options.schema };
    if (options.onBadRecord !== undefined) out.onBadRecord = options.onBadRecord;
    return out;
  }

  /**
   * A stream from your own Source; `create` is called once per subtask.
   * @example
   * env.fromSource(() => new MySource(), { timestamps: (r) => r.time });
   */
  fromSource<T>(create: () => Source<T>, options: SourceOptions<T> = {}): DataStream<T> {
    const { config, fns } = this.sourceConfig(options);
    return this.source<T>("source:function", "Source", config, { ...fns, create }, options);
  }

  /**
   * An (unbounded, unless `bounded: true`) stream from Kafka topics. Partitions are assigned to the
   * source's subtasks by the job and their offsets live in checkpoints, so a restored job goes on
   * exactly after the last checkpoint. Event time is the record timestamp (or `timestamps(element)`),
   * with per-partition watermarks when `watermarks` is given. The element type follows `format`
   * (`raw` Uint8Array, `string`, `json` unknown or the `schema`'s type), or `KafkaMessage` with
   * `withMetadata: true`; or name it: `env.fromKafka<Order>({...})`.
   * @example
   * const Order = z.object({ id: z.string(), amount: z.number() });
   * const orders = env.fromKafka({
   *   connection: { bootstrapServers: "127.0.0.1:9092" },
   *   topics: ["orders"],
   *   format: "json",
   *   schema: Order, // DataStream<{ id: string; amount: number }>
   *   startFrom: "earliest",
   *   onBadRecord: { deadLetterTopic: "orders-dlq" },
   *   watermarks: boundedOutOfOrderness(1000).withIdleness(10_000),
   * });
   */
  fromKafka<const O extends KafkaStreamOptions>(options: O & { readonly timestamps?: (element: KafkaStreamElement<O>) => number }): DataStream<KafkaStreamElement<O>>;
  fromKafka<T>(options: KafkaStreamOptions & { readonly timestamps?: (element: T) => number }): DataStream<T>;
  fromKafka(options: KafkaStreamOptions & { readonly timestamps?: (element: never) => number }): DataStream<unknown> {
    const { name, uid, parallelism, schema, keySchema, timestamps, topicPattern, watermarks, ...rest } = options;
    let pattern: string | undefined;
    if (topicPattern instanceof RegExp) {
      if (/[^gy]/.test(topicPattern.flags)) throw new ConfigError(`fromKafka topicPattern ${String(topicPattern)}: regular expression flags are not supported (write the pattern without them)`);
      pattern = topicPattern.source;
    } else pattern = topicPattern;
    const config: Record<string, unknown> = { ...rest };
    if (pattern !== undefined) config.topicPattern = pattern;
    if (watermarks !== undefined) {
      config.watermarks = { maxOutOfOrdernessMs: watermarks.maxOutOfOrdernessMs };
      if (rest.idleTimeoutMs === undefined && (watermarks.idleTimeoutMs ?? 0) > 0) config.idleTimeoutMs = watermarks.idleTimeoutMs;
    }
    if (config.batchSize === undefined) config.batchSize = this.options.batchSize;
    const parsed = parseKafkaSourceConfig(config); // fail at definition time, naming every bad key
    if (schema !== undefined && parsed.format !== "json") throw new ConfigError(`fromKafka: 'schema' validates JSON values and needs format: "json" (format is "${parsed.format}")`);
    if (keySchema !== undefined && parsed.keyFormat !== "json") throw new ConfigError(`fromKafka: 'keySchema' validates JSON keys and needs keyFormat: "json"`);
    const fns: Record<string, unknown> = {};
    if (schema !== undefined) fns.valueSchema = schema;
    if (keySchema !== undefined) fns.keySchema = keySchema;
    if (timestamps !== undefined) fns.timestamps = timestamps;
    const operatorOptions: OperatorOptions = { ...(name === undefined ? {} : { name }), ...(uid === undefined ? {} : { uid }), ...(parallelism === undefined ? {} : { parallelism }) };
    return this.source<unknown>("source:kafka", "KafkaSource", config, fns, operatorOptions);
  }

  /**
   * A stream from Apache Pulsar topics: NOT AVAILABLE in this build (no Pulsar broker can be run
   * here; a later release adds it). The options are validated here; running or submitting the job
   * fails at job build with a PlanError (code PULSAR_UNAVAILABLE). See src/connectors/pulsar/options.ts.
   */
  fromPulsar<T = unknown>(options: PulsarSourceOptionsInput & OperatorOptions): DataStream<T> {
    const { name, uid, parallelism, ...config } = options;
    parsePulsarSourceOptions(config, `fromPulsar '${name ?? "PulsarSource"}'`);
    const operatorOptions: OperatorOptions = { ...(name === undefined ? {} : { name }), ...(uid === undefined ? {} : { uid }), ...(parallelism === undefined ? {} : { parallelism }) };
    return this.source<T>("source:pulsar", "PulsarSource", config as Record<string, unknown>, {}, operatorOptions);
  }

  /** The job definition (plan JSON + user functions) built so far. */
  getJobDefinition(name = "job"): JobDefinition {
    return this.builder.build(name, this.options.maxParallelism);
  }

  /** The execution plan as text: chained vertices, parallelism, edges. */
  explain(name = "job"): string {
    return explainJobGraph(buildJobGraph(this.getJobDefinition(name).plan, { chaining: this.options.chaining }));
  }

  /**
   * Run the job; resolves when all bounded sources are exhausted and every record is processed.
   * Rejects with the first failure, naming the operator and record.
   * @example
   * const out = env.fromElements([1, 2, 3]).map((x) => x * 10).collect();
   * await env.execute("times-ten");
   */
  async execute(name = "job"): Promise<ExecutionResult> {
    return this.executor()(this.getJobDefinition(name), this.options);
  }

  /**
   * Start the job and return at once with a client to take savepoints, stop or cancel it.
   * @example
   * const job = await env.executeAsync("counts");
   * const path = await job.stopWithSavepoint("/tmp/sp-1");
   * // later: StreamEnvironment.create({ fromSavepoint: path }) and the same pipeline
   */
  async executeAsync(name = "job"): Promise<JobClient> {
    const definition = this.getJobDefinition(name);
    let started!: (controls: Omit<JobClient, "result">) => void;
    const controls = new Promise<Omit<JobClient, "result">>((resolve) => (started = resolve));
    const result = this.executor()(definition, this.options, started);
    // A job that fails before it starts still settles `result`; surface that instead of hanging.
    const ended = result.then(() => null);
    ended.catch(() => {}); // the caller observes failures through `result`
    const first = await Promise.race([controls, ended]);
    if (first === null) throw new PlanError(`job '${name}' ended before it could be controlled`);
    return {
      jobId: first.jobId,
      cancel: () => first.cancel(),
      savepoint: (dir) => first.savepoint(dir),
      stopWithSavepoint: (dir) => first.stopWithSavepoint(dir),
      result,
    };
  }

  private executor(): Executor {
    if (defaultExecutor === undefined) throw new PlanError("no executor installed: import StreamEnvironment from 'bicycle' (src/index.ts)");
    return defaultExecutor;
  }
}
