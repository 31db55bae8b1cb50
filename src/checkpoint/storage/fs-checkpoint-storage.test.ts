/** FsCheckpointStorage: the conformance suite plus the file layout, write order, fsyncs and fault handling. */
import { afterEach, describe, expect, test } from "bun:test";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkpointStorageSuite } from "../../../test/conformance/checkpoint-storage.ts";
import { CheckpointError } from "../checkpoint-error.ts";
import { buildCheckpointMetadata, encodeMetadata } from "../checkpoint-metadata.ts";
import type { CheckpointMetadata } from "../checkpoint-metadata.ts";
import { nodeFileSystem } from "./file-system.ts";
import type { FileSystem } from "./file-system.ts";
import { FsCheckpointStorage, taskStateFileName } from "./fs-checkpoint-storage.ts";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "bicycle-chk-"));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function enospc(op: string, path: string): Error {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${op} '${path}'`), { code: "ENOSPC" });
}

/** A file system that fails `writeFileSynced` for paths `when` selects, as a full disk would. */
function fullDisk(when: (path: string) => boolean): FileSystem {
  return {
    ...nodeFileSystem,
    async writeFileSynced(path, bytes) {
      if (when(path)) throw enospc("write", path);
      await nodeFileSystem.writeFileSynced(path, bytes);
    },
  };
}

/** A file system that records every mutating call, to check the write protocol. */
function recording(ops: string[], base: string, overrides: Partial<FileSystem> = {}): FileSystem {
  const rel = (p: string): string => p.slice(base.length + 1).replace(/\.tmp-[0-9a-f]+$/, ".tmp");
  return {
    ...nodeFileSystem,
    async writeFileSynced(path, bytes) {
      ops.push(`write+fsync ${rel(path)}`);
      await (overrides.writeFileSynced ?? nodeFileSystem.writeFileSynced)(path, bytes);
    },
    async rename(from, to) {
      ops.push(`rename ${rel(from)} -> ${rel(to)}`);
      await nodeFileSystem.rename(from, to);
    },
    async syncDir(path) {
      ops.push(`fsync-dir ${path === base ? "." : rel(path)}`);
      await (overrides.syncDir ?? nodeFileSystem.syncDir)(path);
    },
    async remove(path) {
      ops.push(`remove ${rel(path)}`);
      await nodeFileSystem.remove(path);
    },
  };
}

function quietLogger(warnings: string[] = []): { warn(m: string): void; debug(m: string): void } {
  return { warn: (m) => warnings.push(m), debug: () => undefined };
}

async function completed(storage: FsCheckpointStorage, id: number, tasks: Record<string, string>): Promise<CheckpointMetadata> {
  const handles = [];
  for (const [taskId, text] of Object.entries(tasks)) handles.push({ taskId, ...(await storage.writeTaskState(id, taskId, new TextEncoder().encode(text))), operators: [] });
  const metadata = buildCheckpointMetadata({ checkpointId: id, timestamp: 1, isSavepoint: storage.isSavepoint, tasks: handles }, { jobName: "j", planHash: "h", maxParallelism: 128, completedAt: 2, placement: {} });
  await storage.commit(metadata);
  return metadata;
}

checkpointStorageSuite("fs", async () => {
  const dir = await tempDir();
  const location = join(dir, "checkpoints");
  const warnings: string[] = [];
  const logger = quietLogger(warnings);
  const where = (w: number | string): string => (typeof w === "number" ? join(location, `chk-${w}`) : w);
  let savepoints = 0;
  return {
    storage: new FsCheckpointStorage(location, { logger }),
    warnings,
    savepointLocation: () => join(dir, `savepoint-${++savepoints}`),
    async corrupt(w, file) {
      const path = join(where(w), file);
      const data = await readFile(path);
      data[0] = (data[0] ?? 0) ^ 0xff;
      await writeFile(path, data);
    },
    async remove(w, file) {
      await rm(join(where(w), file));
    },
    async crashDuringCommit(id, metadata) {
      await writeFile(join(where(id), "_metadata.tmp-0badc0de"), encodeMetadata(metadata));
    },
    failingStorage: (failOn) => new FsCheckpointStorage(location, { logger, fs: fullDisk((p) => (failOn === "metadata" ? p.includes("_metadata") : p.includes(".state"))) }),
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe("FsCheckpointStorage layout and protocol", () => {
  test("chk-N directories with one file per task and _metadata; no temp files after success", async () => {
    const base = await tempDir();
    const storage = new FsCheckpointStorage(base);
    await completed(storage, 4, { "map-0": "a", "sink (1/2)": "b" });
    expect(await readdir(base)).toEqual(["chk-4"]);
    expect((await readdir(join(base, "chk-4"))).sort()).toEqual(["_metadata", "map-0.state", taskStateFileName("sink (1/2)")].sort());
    const text = await readFile(join(base, "chk-4", "_metadata"), "utf8");
    expect(JSON.parse(text)).toMatchObject({ version: 1, checkpointId: 4, checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test("each file: temp write+fsync, rename, fsync of the directory; _metadata last", async () => {
    const base = await tempDir();
    const ops: string[] = [];
    const storage = new FsCheckpointStorage(base, { fs: recording(ops, base) });
    await completed(storage, 1, { t0: "x", t1: "y" });
    expect(ops).toEqual([
      "fsync-dir .", // the new chk-1 entry
      "write+fsync chk-1/t0.state.tmp",
      "rename chk-1/t0.state.tmp -> chk-1/t0.state",
      "fsync-dir chk-1",
      "write+fsync chk-1/t1.state.tmp",
      "rename chk-1/t1.state.tmp -> chk-1/t1.state",
      "fsync-dir chk-1",
      "write+fsync chk-1/_metadata.tmp",
      "rename chk-1/_metadata.tmp -> chk-1/_metadata",
      "fsync-dir chk-1",
    ]);
  });

  test("when the directory fsync after the rename fails, _metadata is taken back", async () => {
    const base = await tempDir();
    const ops: string[] = [];
    const fs = recording(ops, base, {
      async syncDir(path) {
        if (ops.at(-2)?.includes("_metadata")) throw Object.assign(new Error(`EIO: i/o error, fsync '${path}'`), { code: "EIO" });
      },
    });
    const storage = new FsCheckpointStorage(base, { fs });
    const error = await completed(storage, 1, { t0: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).message).toContain("EIO");
    expect(ops.slice(-2)).toEqual(["remove chk-1/_metadata.tmp", "remove chk-1/_metadata"]);
    expect(await new FsCheckpointStorage(base).listCompleted()).toEqual([]);
  });

  test("a failed write removes its temp file", async () => {
    const base = await tempDir();
    const fs: FileSystem = {
      ...nodeFileSystem,
      async writeFileSynced(path, bytes) {
        await nodeFileSystem.writeFileSynced(path, bytes.subarray(0, 1)); // half the bytes reach the disk...
        throw enospc("write", path); // ...then the disk is full
      },
    };
    const error = await new FsCheckpointStorage(base, { fs }).writeTaskState(1, "t0", new Uint8Array([1, 2, 3])).catch((e: unknown) => e);
    expect((error as CheckpointError).reason).toBe("STORAGE_WRITE_FAILED");
    expect((error as CheckpointError).message).toContain(join(base, "chk-1", "t0.state"));
    expect(await readdir(join(base, "chk-1"))).toEqual([]);
  });

  test("an unwritable checkpoint directory rejects with STORAGE_WRITE_FAILED", async () => {
    const base = await tempDir();
    await writeFile(join(base, "not-a-dir"), "x"); // mkdir below a file fails even for root
    const storage = new FsCheckpointStorage(join(base, "not-a-dir", "checkpoints"));
    const error = (await storage.writeTaskState(1, "t0", new Uint8Array([1])).catch((e: unknown) => e)) as CheckpointError;
    expect(error.reason).toBe("STORAGE_WRITE_FAILED");
    expect(error.message).toContain(join(base, "not-a-dir", "checkpoints", "chk-1"));
    expect(error.message).toMatch(/ENOTDIR|EEXIST/);
  });


  test("_metadata edited by hand (valid JSON, wrong checksum) is skipped with a warning", async () => {
    const base = await tempDir();
    const warnings: string[] = [];
    const storage = new FsCheckpointStorage(base, { logger: quietLogger(warnings) });
    await completed(storage, 1, { t0: "x" });
    await completed(storage, 2, { t0: "y" });
    const path = join(base, "chk-2", "_metadata");
    await writeFile(path, (await readFile(path, "utf8")).replace('"jobName": "j"', '"jobName": "k"'));
    expect((await storage.listCompleted()).map((m) => m.checkpointId)).toEqual([1]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(path);
    expect(warnings[0]).toContain("checksum");
  });

  test("_metadata in the wrong chk directory is skipped", async () => {
    const base = await tempDir();
    const warnings: string[] = [];
    const storage = new FsCheckpointStorage(base, { logger: quietLogger(warnings) });
    await completed(storage, 1, { t0: "x" });
    await mkdir(join(base, "chk-5"));
    await writeFile(join(base, "chk-5", "_metadata"), await readFile(join(base, "chk-1", "_metadata")));
    expect((await storage.listCompleted()).map((m) => m.checkpointId)).toEqual([1]);
    expect(warnings[0]).toContain("records checkpoint 1, not 5");
  });

  test("discard removes _metadata first, durably", async () => {
    const base = await tempDir();
    const ops: string[] = [];
    const storage = new FsCheckpointStorage(base, { fs: recording(ops, base) });
    await completed(storage, 1, { t0: "x" });
    ops.length = 0;
    await storage.discard(1);
    expect(ops).toEqual(["remove chk-1/_metadata", "fsync-dir chk-1", "remove chk-1"]);
    expect(await readdir(base)).toEqual([]);
  });

  test("discarding a savepoint removes only the files it wrote", async () => {
    const base = await tempDir();
    const dir = join(base, "sp");
    await mkdir(dir);
    await writeFile(join(dir, "README.txt"), "the user's own file");
    const storage = FsCheckpointStorage.forSavepoint(dir);
    await completed(storage, 3, { t0: "x" });
    expect(storage.directoryOf(3)).toBe(dir);
    await storage.discard(3);
    expect(await readdir(dir)).toEqual(["README.txt"]);
  });

  test("readMetadata accepts a savepoint directory or its _metadata file", async () => {
    const base = await tempDir();
    const dir = join(base, "sp");
    const metadata = await completed(FsCheckpointStorage.forSavepoint(dir), 3, { t0: "x" });
    const storage = new FsCheckpointStorage(join(base, "checkpoints"));
    expect(await storage.readMetadata(dir)).toEqual(metadata);
    expect(await storage.readMetadata(join(dir, "_metadata"))).toEqual(metadata);
  });

  test("task state file names are file-safe and distinct", () => {
    expect(taskStateFileName("map-0")).toBe("map-0.state");
    const a = taskStateFileName("sink (1/2)");
    const b = taskStateFileName("sink (1_2)");
    expect(a).toMatch(/^sink__1_2_-[0-9a-f]{8}\.state$/);
    expect(a).not.toBe(b);
    expect(taskStateFileName("../../etc")).not.toContain("/");
  });
});

describe("late writes", () => {
  test("a task write arriving after its checkpoint was discarded does not recreate the directory", async () => {
    const { mkdtemp, readdir } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const base = await mkdtemp(join(tmpdir(), "bicycle-late-"));
    const storage = new FsCheckpointStorage(base);
    await storage.writeTaskState(5, "a", new Uint8Array([1]));
    await storage.discard(5);
    await expect(storage.writeTaskState(5, "b", new Uint8Array([2]))).rejects.toThrow(/checkpoint 5 .* was discarded/);
    expect(await readdir(base)).toEqual([]);
  });
});
