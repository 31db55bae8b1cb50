/**
 * @module runtime/local/job-attempt
 * One execution attempt of a job in this process: builds every subtask's task, joins them with local
 * channels, runs them, and drives checkpoints between the CheckpointCoordinator (pure decisions) and
 * the tasks:
 *
 *   coordinator --trigger N--> source tasks (mail) --barrier N--> ... every task snapshots
 *   task snapshot --write file--> storage --ack(handle)--> coordinator
 *   coordinator --persist--> write _metadata --persisted--> coordinator --notify-complete--> all tasks
 *
 * A write failure declines that checkpoint (the job keeps running); the first task failure cancels
 * every task of the attempt and rejects `run()`, and the runner decides whether to restart.
 */
import {
  buildCheckpointMetadata,
  type CheckpointCoordinator,
  type CheckpointStorage,
  type CoordinatorAction,
} from "../../checkpoint/index.ts";
import { CancelledError, describeError, log, type MetricGroup } from "../../core/index.ts";
import type { JobEdge, JobGraph, JobVertex, UserFunctions } from "../../plan/index.ts";
import type { StateBackend } from "../../state/index.ts";
import { LocalChannel } from "../channels/local-channel.ts";
import { encodeTaskSnapshot, type RestoreState, type TaskSnapshot } from "../checkpointing/task-snapshot.ts";
import { SourceStreamTask } from "../task/source-stream-task.ts";
import { JobRunControl, type StreamTask, type TaskCheckpointing } from "../task/stream-task.ts";
import { buildSubtask } from "../task/task-builder.ts";

export interface AttemptOptions {
  readonly graph: JobGraph;
  readonly functions: UserFunctions;
  readonly stateBackend: StateBackend;
  readonly restore: RestoreState | null;
  readonly channelCapacity: number;
  readonly alignmentTimeoutMs: number;
  readonly coordinator: CheckpointCoordinator;
  /** Where checkpoints go; savepoints get their own storage per request. */
  readonly storage: CheckpointStorage;
  readonly jobName: string;
  readonly planHash: string;
  /** Called for every coordinator action after the attempt handled it (savepoint promises, stats). */
  readonly onAction?: (action: CoordinatorAction) => void;
  /** Test hook: called with each task snapshot before it is written (failure injection). */
  readonly beforeSnapshotWrite?: (taskId: string, checkpointId: number) => void;
}

/** Stable task id of a subtask: the same in every attempt, so checkpoints map back. */
export const taskIdOf = (vertex: JobVertex, subtask: number): string => `${vertex.id}#${subtask}`;

const TICK_MS = 10;

export class JobAttempt {
  readonly control = new JobRunControl();
  private readonly tasks = new Map<string, StreamTask>();
  private readonly sources: SourceStreamTask[] = [];
  /** Metrics per node id, one map per subtask. */
  readonly metricGroups: ReadonlyMap<string, MetricGroup>[] = [];
  readonly channels: LocalChannel<unknown>[] = [];
  private readonly savepointStorage = new Map<number, CheckpointStorage>();
  private finishedTasks = 0;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: AttemptOptions) {}

  /** Build every task; restores state when the options carry a RestoreState. */
  async build(): Promise<void> {
    const { graph, functions, stateBackend, restore } = this.options;
    const grids = new Map<JobEdge, LocalChannel<unknown>[][]>();
    const parallelism = new Map(graph.vertices.map((v) => [v.id, v.parallelism]));
    for (const edge of graph.edges) {
      const grid: LocalChannel<unknown>[][] = [];
      for (let p = 0; p < parallelism.get(edge.sourceVertex)!; p++) {
        const row: LocalChannel<unknown>[] = [];
        for (let c = 0; c < parallelism.get(edge.targetVertex)!; c++) {
          const channel = new LocalChannel<unknown>(this.options.channelCapacity);
          row.push(channel);
          this.channels.push(channel);
        }
        grid.push(row);
      }
      grids.set(edge, grid);
    }
    for (const vertex of graph.vertices) {
      for (let s = 0; s < vertex.parallelism; s++) {
        const built = await buildSubtask(
          { graph, functions, stateBackend, control: this.control, restore, checkpointingFor: (v, sub) => this.checkpointingFor(v, sub) },
          vertex,
          s,
          {
            outputChannels: (edge) => {
              const row = grids.get(edge)![s]!;
              return edge.partitioning === "forward" ? [row[s]!] : row;
            },
            inputChannels: (edge) => {
              const grid = grids.get(edge)!;
              return edge.partitioning === "forward" ? [grid[s]![s]!] : grid.map((row) => row[s]!);
            },
          },
        );
        this.tasks.set(taskIdOf(vertex, s), built.task);
        if (built.task instanceof SourceStreamTask) this.sources.push(built.task);
        this.metricGroups.push(built.metrics);
      }
    }
  }

  private checkpointingFor(vertex: JobVertex, subtask: number): TaskCheckpointing {
    const taskId = taskIdOf(vertex, subtask);
    return {
      taskId,
      vertexId: vertex.id,
      subtask,
      parallelism: vertex.parallelism,
      alignmentTimeoutMs: this.options.alignmentTimeoutMs,
      acknowledge: (snapshot) => void this.persistSnapshot(taskId, snapshot),
    };
  }

  /** Write a task's snapshot file, then acknowledge it (off the task's loop). */
  private async persistSnapshot(taskId: string, snapshot: TaskSnapshot): Promise<void> {
    const { coordinator } = this.options;
    const id = snapshot.checkpointId;
    try {
      this.options.beforeSnapshotWrite?.(taskId, id);
    } catch (error) {
      // Injected fault: the task dies in the middle of its checkpoint.
      this.control.cancel(error);
      return;
    }
    try {
      const storage = this.savepointStorage.get(id) ?? this.options.storage;
      const written = await storage.writeTaskState(id, taskId, encodeTaskSnapshot(snapshot));
      if (this.control.isCancelled) return;
      this.handle(coordinator.acknowledge(id, taskId, { taskId, ...written, operators: Object.keys(snapshot.operators) }, Date.now()));
    } catch (error) {
      if (this.control.isCancelled) return;
      if (coordinator.inFlight()?.checkpointId !== id) {
        // The checkpoint was aborted meanwhile (timeout, job end) and its directory discarded.
        log.debug(`task ${taskId}: state of aborted checkpoint ${id} not stored: ${describeError(error)}`);
        return;
      }
      log.warn(`task ${taskId} could not store its state for checkpoint ${id}: ${describeError(error)}`);
      this.handle(coordinator.decline(id, taskId, "STORAGE_WRITE_FAILED", describeError(error), Date.now(), error));
    }
  }

  /** Carry out coordinator actions. */
  handle(actions: readonly CoordinatorAction[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case "trigger":
          if (this.finishedTasks > 0) {
            // Checkpoints need every task running; once one finished (bounded input), no barrier can
            // pass it (Flink before FLIP-147 behaves the same).
            this.handle(this.options.coordinator.decline(action.checkpointId, this.taskIds[0]!, "NOT_ALL_TASKS_RUNNING", "some tasks have finished", Date.now()));
            break;
          }
          if (action.savepointDir !== null) this.savepointStorage.set(action.checkpointId, this.options.storage.forSavepoint(action.savepointDir));
          for (const source of this.sources) source.triggerCheckpoint({ checkpointId: action.checkpointId, timestamp: action.timestamp, thenStop: action.thenStop });
          break;
        case "persist":
          void this.persistMetadata(action.checkpoint);
          break;
        case "notify-complete":
          for (const task of this.tasks.values()) task.notifyCheckpointComplete(action.checkpointId);
          break;
        case "abort":
          log.debug(`checkpoint ${action.checkpointId} aborted: ${action.error.message}`);
          if (action.wasTriggered) for (const task of this.tasks.values()) task.notifyCheckpointAborted(action.checkpointId);
          void this.storageFor(action.checkpointId)
            .discard(action.checkpointId)
            .catch(() => {});
          break;
        case "discard":
          void this.options.storage.discard(action.checkpointId).catch((e: unknown) => log.warn(`could not discard checkpoint ${action.checkpointId}: ${describeError(e)}`));
          break;
        case "savepoint-complete":
        case "savepoint-queued":
        case "ignored":
          break;
      }
      this.options.onAction?.(action);
    }
  }

  private storageFor(checkpointId: number): CheckpointStorage {
    return this.savepointStorage.get(checkpointId) ?? this.options.storage;
  }

  private async persistMetadata(checkpoint: Extract<CoordinatorAction, { kind: "persist" }>["checkpoint"]): Promise<void> {
    const { coordinator, graph } = this.options;
    const placement: Record<string, { subtask: number; parallelism: number }> = {};
    for (const vertex of graph.vertices) for (let s = 0; s < vertex.parallelism; s++) placement[taskIdOf(vertex, s)] = { subtask: s, parallelism: vertex.parallelism };
    try {
      const metadata = buildCheckpointMetadata(checkpoint, {
        jobName: this.options.jobName,
        planHash: this.options.planHash,
        maxParallelism: graph.plan.maxParallelism,
        completedAt: Date.now(),
        placement,
      });
      await this.storageFor(checkpoint.checkpointId).commit(metadata);
      this.handle(coordinator.persisted(checkpoint.checkpointId, Date.now()));
    } catch (error) {
      log.warn(`checkpoint ${checkpoint.checkpointId} could not be completed: ${describeError(error)}`);
      this.handle(coordinator.persistFailed(checkpoint.checkpointId, "STORAGE_WRITE_FAILED", describeError(error), Date.now(), error));
    }
  }

  /** Run every task to the end; rejects with the first failure (after cancelling the rest). */
  async run(): Promise<void> {
    const { coordinator } = this.options;
    coordinator.start(Date.now());
    this.ticker = setInterval(() => {
      if (!this.control.isCancelled) this.handle(coordinator.tick(Date.now()));
    }, TICK_MS);
    let failure: unknown = undefined;
    try {
      await Promise.all(
        [...this.tasks.values()].map((task) =>
          task.run().then(
            () => this.onTaskFinished(),
            (error: unknown) => {
              // The first task to fail decides the attempt's error; the rest were cancelled because of it.
              if (failure === undefined) failure = error;
              this.control.cancel(error);
            },
          ),
        ),
      );
    } finally {
      clearInterval(this.ticker);
    }
    if (failure !== undefined) throw failure;
  }

  /** A task ended: a checkpoint still collecting acks can no longer complete. */
  private onTaskFinished(): void {
    this.finishedTasks++;
    const inFlight = this.options.coordinator.inFlight();
    if (inFlight !== null && inFlight.phase === "ACKING") {
      this.handle(this.options.coordinator.decline(inFlight.checkpointId, this.taskIds[0]!, "NOT_ALL_TASKS_RUNNING", "a task finished before the checkpoint completed", Date.now()));
    }
  }

  /** Whether every task is still running (savepoints need that). */
  get allTasksRunning(): boolean {
    return this.finishedTasks === 0;
  }

  cancel(reason: unknown = new CancelledError()): void {
    this.control.cancel(reason);
  }

  get taskIds(): string[] {
    return [...this.tasks.keys()];
  }
}
