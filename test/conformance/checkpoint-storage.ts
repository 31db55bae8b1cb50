/**
 * Conformance suite every CheckpointStorage must pass: round trip, newest-first listing, invisibility of
 * interrupted checkpoints, corrupt and missing files, discard, write failures, savepoints. Call it from
 * each storage's test with a harness that can damage the storage the way a crash or a bad disk would.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { CheckpointError, buildCheckpointMetadata } from "../../src/checkpoint/index.ts";
import type { CheckpointMetadata, CheckpointStorage, TaskStateHandle } from "../../src/checkpoint/index.ts";

export interface CheckpointStorageHarness {
  readonly storage: CheckpointStorage;
  /** Warnings the storage logged so far. */
  readonly warnings: readonly string[];
  /** A fresh, not yet existing location for a savepoint. */
  savepointLocation(): string;
  /** Change the bytes of `file` ("_metadata" or a task file) of checkpoint `where`. */
  corrupt(where: number | string, file: string): Promise<void>;
  /** Delete `file` of checkpoint `where`. */
  remove(where: number | string, file: string): Promise<void>;
  /** Leave what a crash between writing and publishing the metadata of checkpoint `id` leaves. */
  crashDuringCommit(id: number, metadata: CheckpointMetadata): Promise<void>;
  /** A storage on the same location whose writes of this kind fail as on a full disk. */
  failingStorage(failOn: "task-state" | "metadata"): CheckpointStorage;
  cleanup(): Promise<void>;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function rejection(promise: Promise<unknown>): Promise<CheckpointError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    return error as CheckpointError;
  }
  throw new Error("expected the promise to reject with a CheckpointError");
}

/** Write the tasks of checkpoint `id` through `storage` and return its metadata (not committed). */
async function writeCheckpoint(storage: CheckpointStorage, id: number, states: Record<string, string>, isSavepoint = false): Promise<CheckpointMetadata> {
  const tasks: TaskStateHandle[] = [];
  const placement: Record<string, { subtask: number; parallelism: number }> = {};
  let subtask = 0;
  for (const [taskId, text] of Object.entries(states)) {
    const stored = await storage.writeTaskState(id, taskId, bytes(text));
    tasks.push({ taskId, ...stored, operators: ["op-a"] });
    placement[taskId] = { subtask: subtask++, parallelism: Object.keys(states).length };
  }
  return buildCheckpointMetadata(
    { checkpointId: id, timestamp: 1_000 + id, isSavepoint, tasks },
    { jobName: "conformance", planHash: "plan-1", maxParallelism: 128, completedAt: 2_000 + id, placement },
  );
}

async function completeCheckpoint(storage: CheckpointStorage, id: number, states: Record<string, string> = { "task-0": `state ${id}` }): Promise<CheckpointMetadata> {
  const metadata = await writeCheckpoint(storage, id, states);
  await storage.commit(metadata);
  return metadata;
}

export function checkpointStorageSuite(name: string, createHarness: () => Promise<CheckpointStorageHarness>): void {
  describe(`${name} checkpoint storage`, () => {
    let h: CheckpointStorageHarness;
    beforeEach(async () => {
      h = await createHarness();
    });
    afterEach(async () => {
      await h.cleanup();
    });

    test("an empty storage lists nothing", async () => {
      expect(await h.storage.listCompleted()).toEqual([]);
    });

    test("round trip: task state and metadata come back as written", async () => {
      const metadata = await completeCheckpoint(h.storage, 1, { "map-0": "alpha", "map-1": "beta" });
      expect(await h.storage.listCompleted()).toEqual([metadata]);
      expect(await h.storage.readMetadata(1)).toEqual(metadata);
      expect(metadata.operators["op-a"]?.subtasks.map((s) => s.subtask)).toEqual([0, 1]);
      for (const task of metadata.tasks) {
        const read = await h.storage.readTaskState(1, task.file, task.checksum);
        expect(new TextDecoder().decode(read)).toBe(task.taskId === "map-0" ? "alpha" : "beta");
        expect(read.byteLength).toBe(task.sizeBytes);
      }
    });

    test("lists completed checkpoints newest first", async () => {
      for (const id of [2, 10, 1]) await completeCheckpoint(h.storage, id);
      expect((await h.storage.listCompleted()).map((m) => m.checkpointId)).toEqual([10, 2, 1]);
    });

    test("an interrupted checkpoint is never listed", async () => {
      await completeCheckpoint(h.storage, 1);
      await writeCheckpoint(h.storage, 2, { "task-0": "written, never committed" });
      const third = await writeCheckpoint(h.storage, 3, { "task-0": "crashed mid-commit" });
      await h.crashDuringCommit(3, third);
      expect((await h.storage.listCompleted()).map((m) => m.checkpointId)).toEqual([1]);
      expect((await rejection(h.storage.readMetadata(2))).reason).toBe("SAVEPOINT_NOT_FOUND");
    });

    test("a corrupt state file is refused, naming the file", async () => {
      const metadata = await completeCheckpoint(h.storage, 1);
      const task = metadata.tasks[0]!;
      await h.corrupt(1, task.file);
      const error = await rejection(h.storage.readTaskState(1, task.file, task.checksum));
      expect(error.reason).toBe("STATE_FILE_CORRUPT");
      expect(error.checkpointId).toBe(1);
      expect(error.message).toContain(task.file);
      expect(error.message).toContain(h.storage.location);
    });

    test("a missing state file is refused, naming the file", async () => {
      const metadata = await completeCheckpoint(h.storage, 1);
      const task = metadata.tasks[0]!;
      await h.remove(1, task.file);
      const error = await rejection(h.storage.readTaskState(1, task.file, task.checksum));
      expect(error.reason).toBe("STATE_FILE_MISSING");
      expect(error.message).toContain(task.file);
      expect(error.domain).toBe("external");
    });

    test("a state file name that leaves the checkpoint is refused", async () => {
      await completeCheckpoint(h.storage, 1);
      expect((await rejection(h.storage.readTaskState(1, "../chk-2/x", "00"))).reason).toBe("METADATA_CORRUPT");
    });

    test("a corrupt _metadata is skipped with a warning naming it; the previous checkpoint is returned", async () => {
      const first = await completeCheckpoint(h.storage, 1);
      await completeCheckpoint(h.storage, 2);
      await h.corrupt(2, "_metadata");
      expect(await h.storage.listCompleted()).toEqual([first]);
      expect(h.warnings.some((w) => w.includes("_metadata") && w.includes("2"))).toBe(true);
      expect((await rejection(h.storage.readMetadata(2))).reason).toBe("METADATA_CORRUPT");
    });

    test("commit refuses metadata naming a task file that was not written", async () => {
      const metadata = await writeCheckpoint(h.storage, 1, { "task-0": "x" });
      const forged = { ...metadata, tasks: [...metadata.tasks, { ...metadata.tasks[0]!, taskId: "ghost", file: "ghost.state" }] };
      const error = await rejection(h.storage.commit(forged));
      expect(error.reason).toBe("STATE_FILE_MISSING");
      expect(error.message).toContain("ghost.state");
      expect(await h.storage.listCompleted()).toEqual([]);
    });

    test("discard removes a checkpoint and keeps the others", async () => {
      await completeCheckpoint(h.storage, 1);
      await completeCheckpoint(h.storage, 2);
      await h.storage.discard(1);
      expect((await h.storage.listCompleted()).map((m) => m.checkpointId)).toEqual([2]);
      expect((await rejection(h.storage.readMetadata(1))).reason).toBe("SAVEPOINT_NOT_FOUND");
      await h.storage.discard(1); // discarding twice is harmless
      await h.storage.discard(99); // as is discarding what never existed
    });

    test("a completed checkpoint is never overwritten", async () => {
      await completeCheckpoint(h.storage, 1);
      const error = await rejection(h.storage.writeTaskState(1, "task-0", bytes("other")));
      expect(error.reason).toBe("STORAGE_WRITE_FAILED");
      expect(error.message).toContain("already holds a completed checkpoint");
    });

    test("a failing task state write rejects with STORAGE_WRITE_FAILED naming the path and OS error", async () => {
      await completeCheckpoint(h.storage, 1);
      const failing = h.failingStorage("task-state");
      const error = await rejection(failing.writeTaskState(2, "task-0", bytes("x")));
      expect(error.reason).toBe("STORAGE_WRITE_FAILED");
      expect(error.retriable).toBe(true);
      expect(error.checkpointId).toBe(2);
      expect(error.message).toContain(h.storage.location);
      expect(error.message).toContain("task-0");
      expect(error.message).toContain("ENOSPC");
      expect((await h.storage.listCompleted()).map((m) => m.checkpointId)).toEqual([1]);
    });

    test("a failing metadata write leaves nothing that looks completed", async () => {
      await completeCheckpoint(h.storage, 1);
      const failing = h.failingStorage("metadata");
      const metadata = await writeCheckpoint(failing, 2, { "task-0": "x" });
      const error = await rejection(failing.commit(metadata));
      expect(error.reason).toBe("STORAGE_WRITE_FAILED");
      expect(error.message).toContain("_metadata");
      expect(error.message).toContain("ENOSPC");
      expect((await h.storage.listCompleted()).map((m) => m.checkpointId)).toEqual([1]);
      // after the failure the id can be written again (once the disk has room)
      await h.storage.commit(metadata);
      expect((await h.storage.listCompleted()).map((m) => m.checkpointId)).toEqual([2, 1]);
    });

    test("savepoints: written to their own location, read back by path, not listed with checkpoints", async () => {
      await completeCheckpoint(h.storage, 1);
      const location = h.savepointLocation();
      const savepoints = h.storage.forSavepoint(location);
      expect(savepoints.isSavepoint).toBe(true);
      const metadata = await writeCheckpoint(savepoints, 2, { "task-0": "savepoint state" }, true);
      await savepoints.commit(metadata);
      expect((await h.storage.listCompleted()).map((m) => m.checkpointId)).toEqual([1]);
      expect(await savepoints.listCompleted()).toEqual([metadata]);
      const read = await h.storage.readMetadata(location);
      expect(read).toEqual(metadata);
      expect(read.isSavepoint).toBe(true);
      const task = read.tasks[0]!;
      expect(new TextDecoder().decode(await h.storage.readTaskState(location, task.file, task.checksum))).toBe("savepoint state");
      // one savepoint per location
      expect((await rejection(h.storage.forSavepoint(location).writeTaskState(3, "task-0", bytes("y")))).reason).toBe("STORAGE_WRITE_FAILED");
    });

    test("reading a savepoint where there is none: SAVEPOINT_NOT_FOUND naming the location", async () => {
      const location = h.savepointLocation();
      const error = await rejection(h.storage.readMetadata(location));
      expect(error.reason).toBe("SAVEPOINT_NOT_FOUND");
      expect(error.domain).toBe("user");
      expect(error.message).toContain(location);
    });
  });
}
