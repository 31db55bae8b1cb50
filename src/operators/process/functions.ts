/**
 * @module operators/process/functions
 * The shapes of user process functions and their contexts (Flink's ProcessFunction and
 * KeyedProcessFunction), and helpers that make state descriptors.
 */
import type {
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  OutputTag,
  ReducingState,
  ReducingStateDescriptor,
  TimerService,
  ValueState,
  ValueStateDescriptor,
} from "../../core/index.ts";
import type { Collector } from "../collector.ts";

/** What every user function can learn about where it runs. */
export interface RuntimeContext {
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
}

/** Keyed state access, available to functions running after keyBy(). */
export interface KeyedRuntimeContext extends RuntimeContext {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
}

export interface ProcessContext {
  /** Event time of the current record, or undefined when the stream has none. */
  readonly timestamp: number | undefined;
  currentWatermark(): number;
  /** Emit to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

export interface KeyedProcessContext<K> extends ProcessContext {
  readonly key: K;
  readonly timerService: TimerService;
}

export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  readonly timeDomain: "event-time" | "processing-time";
}

/** A low-level function over every record of a non-keyed stream. */
export interface ProcessFunction<I, O> {
  open?(ctx: RuntimeContext): void;
  processElement(value: I, ctx: ProcessContext, out: Collector<O>): void;
  close?(): void;
}

/** A function over a keyed stream with keyed state and timers. */
export interface KeyedProcessFunction<K, I, O> {
  open?(ctx: KeyedRuntimeContext): void;
  processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): void;
  close?(): void;
}

/**
 * Describes a value state.
 * @example
 * const count = ctx.getState(valueState<number>("count", 0));
 */
export function valueState<T>(name: string, defaultValue?: T): ValueStateDescriptor<T> {
  return defaultValue === undefined ? { kind: "value", name } : { kind: "value", name, defaultValue };
}
/** Describes a list state. */
export function listState<T>(name: string): ListStateDescriptor<T> {
  return { kind: "list", name };
}
/** Describes a map state. */
export function mapState<K, V>(name: string): MapStateDescriptor<K, V> {
  return { kind: "map", name };
}
/** Describes a reducing state folding every added value with `reduce`. */
export function reducingState<T>(name: string, reduce: (a: T, b: T) => T): ReducingStateDescriptor<T> {
  return { kind: "reducing", name, reduce };
}
