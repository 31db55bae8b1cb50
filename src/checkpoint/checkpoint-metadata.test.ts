/** Checkpoint metadata: the builder's operator map, the `_metadata` codec and its checksum, CheckpointError. */
import { describe, expect, test } from "bun:test";
import { InternalError } from "../core/index.ts";
import { CheckpointError, REASONS, isCheckpointError } from "./checkpoint-error.ts";
import type { CheckpointFailureReason } from "./checkpoint-error.ts";
import { buildCheckpointMetadata, decodeMetadata, encodeMetadata } from "./checkpoint-metadata.ts";
import type { TaskStateHandle } from "./checkpoint-metadata.ts";
import { sha256Hex } from "./checksum.ts";
import { completedFromMetadata } from "./coordinator-action.ts";

const handle = (taskId: string, operators: string[]): TaskStateHandle => ({ taskId, file: `${taskId}.state`, sizeBytes: 1, checksum: sha256Hex(taskId), operators });
const job = {
  jobName: "wordcount",
  planHash: "abc",
  maxParallelism: 128,
  completedAt: 99,
  placement: { "src-0": { subtask: 0, parallelism: 1 }, "count-1": { subtask: 1, parallelism: 2 }, "count-0": { subtask: 0, parallelism: 2 } },
};

describe("buildCheckpointMetadata", () => {
  test("maps every operator to the file of each subtask, sorted by subtask", () => {
    const m = buildCheckpointMetadata({ checkpointId: 3, timestamp: 7, isSavepoint: false, tasks: [handle("src-0", ["source"]), handle("count-1", ["count", "sink"]), handle("count-0", ["count", "sink"])] }, job);
    expect(m).toMatchObject({ version: 1, jobName: "wordcount", checkpointId: 3, timestamp: 7, completedAt: 99, maxParallelism: 128 });
    expect(m.operators).toEqual({
      source: { parallelism: 1, subtasks: [{ subtask: 0, file: "src-0.state" }] },
      count: { parallelism: 2, subtasks: [{ subtask: 0, file: "count-0.state" }, { subtask: 1, file: "count-1.state" }] },
      sink: { parallelism: 2, subtasks: [{ subtask: 0, file: "count-0.state" }, { subtask: 1, file: "count-1.state" }] },
    });
  });

  test("a task with state but no placement, or disagreeing parallelism, is an internal error", () => {
    expect(() => buildCheckpointMetadata({ checkpointId: 1, timestamp: 0, isSavepoint: false, tasks: [handle("ghost", ["x"])] }, job)).toThrow(/no placement known for task 'ghost'/);
    expect(() => buildCheckpointMetadata({ checkpointId: 1, timestamp: 0, isSavepoint: false, tasks: [handle("src-0", ["x"]), handle("count-0", ["x"])] }, job)).toThrow(InternalError);
  });
});

describe("_metadata codec", () => {
  const metadata = buildCheckpointMetadata({ checkpointId: 2, timestamp: 1, isSavepoint: true, tasks: [handle("src-0", ["source"])] }, job);

  test("round trip, with a checksum field", () => {
    const text = encodeMetadata(metadata);
    expect(JSON.parse(text).checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(decodeMetadata(text, "/x/_metadata")).toEqual(metadata);
  });

  const corruptions: Array<[string, (text: string) => string, RegExp]> = [
    ["truncated", (t) => t.slice(0, t.length / 2), /\/x\/_metadata is not valid JSON/],
    ["not an object", () => "[1]", /is not a JSON object/],
    ["without checksum", (t) => JSON.stringify({ ...JSON.parse(t), checksum: undefined }), /has no checksum field/],
    ["edited", (t) => t.replace('"planHash": "abc"', '"planHash": "abd"'), /fails its checksum/],
  ];
  for (const [name, damage, message] of corruptions) {
    test(`${name} metadata is METADATA_CORRUPT naming the file`, () => {
      const error = (() => {
        try {
          decodeMetadata(damage(encodeMetadata(metadata)), "/x/_metadata");
        } catch (e) {
          return e as CheckpointError;
        }
        throw new Error("no error");
      })();
      expect(error.reason).toBe("METADATA_CORRUPT");
      expect(error.message).toMatch(message);
      expect(error.message).toContain("/x/_metadata");
    });
  }

  /** Re-sign `body` so only the version or schema check can catch it. */
  const signed = (body: Record<string, unknown>): string => JSON.stringify({ ...body, checksum: sha256Hex(JSON.stringify(body)) });

  test("an unknown version and a file name escaping the directory are refused even with a valid checksum", () => {
    expect(() => decodeMetadata(signed({ ...metadata, version: 2 }), "/x/_metadata")).toThrow(/unsupported version 2/);
    const escaping = { ...metadata, tasks: [{ ...metadata.tasks[0]!, file: "../../etc/passwd" }] };
    expect(() => decodeMetadata(signed(escaping), "/x/_metadata")).toThrow(/tasks\.0\.file: must be a plain file name/);
  });

  test("completedFromMetadata: what a resumed coordinator starts from", () => {
    expect(completedFromMetadata(metadata, "/sp/1")).toEqual({ checkpointId: 2, timestamp: 1, completedAt: 99, isSavepoint: true, savepointDir: "/sp/1", thenStop: false, tasks: metadata.tasks, totalSizeBytes: 1 });
  });

  test("encoding metadata that breaks the schema is an internal error", () => {
    expect(() => encodeMetadata({ ...metadata, checkpointId: 0 })).toThrow(InternalError);
  });
});

describe("CheckpointError", () => {
  test("code, domain, retriable and preFlight come from the reason table", () => {
    const e = new CheckpointError("STORAGE_WRITE_FAILED", "cannot write /d/chk-4/_metadata: ENOSPC", { checkpointId: 4 });
    expect(e).toMatchObject({ name: "CheckpointError", code: "CHECKPOINT_STORAGE_WRITE_FAILED", domain: "external", retriable: true, reason: "STORAGE_WRITE_FAILED", checkpointId: 4, preFlight: false });
    expect(e.message).toBe("checkpoint 4: cannot write /d/chk-4/_metadata: ENOSPC");
    expect(new CheckpointError("PLAN_MISMATCH").domain).toBe("user");
    expect(new CheckpointError("TOO_MANY_CONCURRENT").preFlight).toBe(true);
    expect(new CheckpointError("TIMEOUT").message).toBe(REASONS.TIMEOUT.message);
    expect(isCheckpointError(e)).toBe(true);
    expect(isCheckpointError(Object.assign(new Error("x"), { name: "CheckpointError", reason: "TIMEOUT" }))).toBe(true);
    expect(isCheckpointError(new Error("x"))).toBe(false);
  });

  test("every reason the brief lists is in the table", () => {
    const listed: CheckpointFailureReason[] = ["TOO_MANY_CONCURRENT", "MIN_PAUSE_NOT_ELAPSED", "NOT_ALL_TASKS_RUNNING", "JOB_FINISHING", "TIMEOUT", "TASK_DECLINED", "TASK_FAILED", "STORAGE_WRITE_FAILED", "METADATA_CORRUPT", "STATE_FILE_CORRUPT", "STATE_FILE_MISSING", "PLAN_MISMATCH", "UNKNOWN_OPERATOR_STATE", "SAVEPOINT_NOT_FOUND"];
    for (const reason of listed) expect(REASONS[reason].message.length).toBeGreaterThan(10);
  });
});
