/**
 * @module checkpoint/coordinator-config
 * The CheckpointCoordinator's configuration: zod schema with defaults (as Flink's execution.checkpointing.*).
 */
import { z } from "zod";

export const checkpointCoordinatorConfigSchema = z.object({
  /** Period of automatic checkpoints; 0 turns them off (savepoints and manual triggers still work). */
  intervalMs: z.number().int().nonnegative().default(0),
  /** How long a triggered checkpoint may wait for all acknowledgements. */
  timeoutMs: z.number().int().positive().default(600_000),
  /** Minimum time from the end of one checkpoint (completed or failed) to the next periodic trigger. */
  minPauseMs: z.number().int().nonnegative().default(0),
  maxConcurrent: z.literal(1, { error: "must be 1 (concurrent checkpoints are not supported yet)" }).default(1),
  /** Completed checkpoints kept; older ones are discarded. Savepoints are not counted. */
  retained: z.number().int().positive().default(3),
});

/** The validated configuration, every field present. */
export type CheckpointCoordinatorConfig = z.output<typeof checkpointCoordinatorConfigSchema>;
/** What callers pass: every field optional. */
export type CheckpointCoordinatorConfigInput = z.input<typeof checkpointCoordinatorConfigSchema>;
