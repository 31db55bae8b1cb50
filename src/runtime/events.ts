/**
 * @module runtime/events
 * Names of the metrics the runtime keeps per operator subtask.
 */
export const METRIC_RECORDS_IN = "numRecordsIn";
export const METRIC_RECORDS_OUT = "numRecordsOut";
/** Milliseconds a task spent waiting for downstream credit (backpressured). */
export const METRIC_BACKPRESSURED_MS = "backPressuredTimeMs";
/** Checkpoints this task took unaligned after its alignment timed out. */
export const METRIC_UNALIGNED_CHECKPOINTS = "numUnalignedCheckpoints";
