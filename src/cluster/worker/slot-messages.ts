/**
 * @module cluster/worker/slot-messages
 * Messages between a worker's main thread (the TaskExecutor) and one slot (a Bun Worker thread, or an
 * in-thread slot in tests). Data never travels as one message per record: `frames` messages carry
 * many encoded data-plane frames in one transferred ArrayBuffer (see network/port-socket).
 *
 *   main -> slot: peer-port, deploy, cancel, trigger, notify-complete, notify-aborted, channels-failed, frames
 *   slot -> main: ready, task-state, ack, decline, metrics, frames
 *   slot <-> slot (peer ports of one worker): frames only
 */
import type { AttemptDescriptor } from "../deployment.ts";

export interface DeployMessage {
  readonly type: "deploy";
  readonly descriptor: AttemptDescriptor;
  /** The worker this slot belongs to: tasks placed on it in other slots are reached over peer ports. */
  readonly workerId: string;
  /** Tasks of the attempt that run in this slot. */
  readonly taskIds: readonly string[];
  /** The job bundle on this worker's disk, for TypeScript jobs. */
  readonly bundlePath: string | null;
  /** Where disk state backends keep this slot's files. */
  readonly stateDir: string;
  /** Job options (JSON) the bundle's StreamEnvironment is created with, so it rebuilds the same plan. */
  readonly envOptionsJson: string;
}

export interface AttemptRef {
  readonly jobId: string;
  readonly attempt: number;
}

export type MainToSlot =
  | DeployMessage
  | ({ readonly type: "cancel"; readonly reason: string } & AttemptRef)
  | ({
      readonly type: "trigger";
      readonly checkpointId: number;
      readonly timestamp: number;
      readonly thenStop: boolean;
      readonly isSavepoint: boolean;
      readonly targetDir: string;
    } & AttemptRef)
  | ({ readonly type: "notify-complete" | "notify-aborted"; readonly checkpointId: number } & AttemptRef)
  | { readonly type: "channels-failed"; readonly channelIds: readonly number[]; readonly message: string }
  | { readonly type: "frames"; readonly bytes: ArrayBuffer }
  /** A direct port to another slot of the same worker (sent once at start, before any deploy). */
  | { readonly type: "peer-port"; readonly slot: number; readonly port: MessagePort }
  | { readonly type: "shutdown" };

export type SlotTaskState = "running" | "finished" | "cancelled" | "failed";

export interface SlotTaskMetrics {
  readonly jobId: string;
  readonly taskId: string;
  readonly recordsIn: number;
  readonly recordsOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly backpressureRatio: number;
}

export type SlotToMain =
  | { readonly type: "ready" }
  | ({ readonly type: "task-state"; readonly taskId: string; readonly state: SlotTaskState; readonly error?: string; readonly metrics?: SlotTaskMetrics } & AttemptRef)
  | ({
      readonly type: "ack";
      readonly checkpointId: number;
      readonly taskId: string;
      readonly file: string;
      readonly sizeBytes: number;
      readonly checksum: string;
      readonly operators: readonly string[];
    } & AttemptRef)
  | ({ readonly type: "decline"; readonly checkpointId: number; readonly taskId: string; readonly reason: string } & AttemptRef)
  | ({ readonly type: "attempt-ended" } & AttemptRef)
  | { readonly type: "metrics"; readonly tasks: readonly SlotTaskMetrics[] }
  | { readonly type: "frames"; readonly bytes: ArrayBuffer }
  | { readonly type: "frames-end" };

/** The message port of a slot, seen from either side (a Worker, `self` in the thread, or a MessagePort). */
export interface SlotPort {
  postMessage(message: unknown, transfer?: Bun.Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
}
