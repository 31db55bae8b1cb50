/**
 * @module checkpoint/storage/fs-checkpoint-storage
 * FsCheckpointStorage: checkpoints as directories on a (shared) file system, written atomically.
 *
 *   <dir>/chk-7/map-0.state        one file per task (name derived from the task id)
 *   <dir>/chk-7/sink-1.state
 *   <dir>/chk-7/_metadata          written last: the checkpoint is complete iff this exists and verifies
 *   <dir>/chk-8/map-0.state.tmp-…  an interrupted write: no _metadata, never listed
 *
 * Every file is written as temp file → fsync → rename → fsync of the directory, so a crash leaves either
 * the whole file or a `.tmp-` file that nothing reads. A savepoint (`forSavepoint(dir)`) uses the same
 * files directly in the user's directory, without a `chk-N` level; a directory holds one savepoint.
 */
import { randomBytes } from "node:crypto";
import { basename, join } from "node:path";
import { log } from "../../core/index.ts";
import type { Logger } from "../../core/index.ts";
import { CheckpointError } from "../checkpoint-error.ts";
import { decodeMetadata, encodeMetadata, stateFileNameSchema } from "../checkpoint-metadata.ts";
import type { CheckpointMetadata } from "../checkpoint-metadata.ts";
import type { CheckpointStorage, StoredTaskState } from "../checkpoint-storage.ts";
import { sha256Hex } from "../checksum.ts";
import { errorCode, nodeFileSystem } from "./file-system.ts";
import type { FileSystem } from "./file-system.ts";

export const METADATA_FILE = "_metadata";
const CHECKPOINT_DIR = /^chk-(\d+)$/;
const TEMP_MARKER = ".tmp-";
const STATE_SUFFIX = ".state";

export interface FsCheckpointStorageOptions {
  /** Injected file operations (tests); the real file system by default. */
  readonly fs?: FileSystem;
  readonly logger?: Pick<Logger, "warn" | "debug">;
  /** Write one savepoint directly into the directory (what `forSavepoint` sets). */
  readonly savepoint?: boolean;
}

/** The name of a task's state file: the task id made file-safe, plus a hash when that changed it. */
export function taskStateFileName(taskId: string): string {
  const safe = taskId.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
  return safe === taskId ? `${safe}${STATE_SUFFIX}` : `${safe}-${sha256Hex(taskId).slice(0, 8)}${STATE_SUFFIX}`;
}

function osMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function idOption(where: number | string): { checkpointId?: number } {
  return typeof where === "number" ? { checkpointId: where } : {};
}

export class FsCheckpointStorage implements CheckpointStorage {
  readonly location: string;
  readonly isSavepoint: boolean;
  private readonly fs: FileSystem;
  private readonly logger: Pick<Logger, "warn" | "debug">;
  /** Checkpoint id -> its directory, once created and checked not to hold a completed checkpoint. */
  private readonly prepared = new Map<number, Promise<string>>();
  /** Checkpoints discarded (aborted or retired): never written again. */
  private readonly discarded = new Set<number>();

  /** Storage for the checkpoints of one job, in `chk-<id>` subdirectories of `dir`. */
  constructor(dir: string, options: FsCheckpointStorageOptions = {}) {
    this.location = dir;
    this.isSavepoint = options.savepoint ?? false;
    this.fs = options.fs ?? nodeFileSystem;
    this.logger = options.logger ?? log;
  }

  /** Storage writing one savepoint directly into `dir` (created if missing; must not hold a savepoint). */
  static forSavepoint(dir: string, options: FsCheckpointStorageOptions = {}): FsCheckpointStorage {
    return new FsCheckpointStorage(dir, { ...options, savepoint: true });
  }

  forSavepoint(dir: string): FsCheckpointStorage {
    return FsCheckpointStorage.forSavepoint(dir, { fs: this.fs, logger: this.logger });
  }

  /** The directory of checkpoint `checkpointId` (the savepoint directory itself for a savepoint storage). */
  directoryOf(checkpointId: number): string {
    return this.isSavepoint ? this.location : join(this.location, `chk-${checkpointId}`);
  }

  async writeTaskState(checkpointId: number, taskId: string, bytes: Uint8Array): Promise<StoredTaskState> {
    const dir = await this.prepare(checkpointId);
    const file = taskStateFileName(taskId);
    await this.writeAtomically(dir, file, bytes, checkpointId, `the state of task '${taskId}'`);
    return { file, sizeBytes: bytes.byteLength, checksum: sha256Hex(bytes) };
  }

  async commit(metadata: CheckpointMetadata): Promise<void> {
    const checkpointId = metadata.checkpointId;
    const text = encodeMetadata(metadata);
    const dir = await this.prepare(checkpointId);
    for (const task of metadata.tasks) {
      const path = join(dir, task.file);
      const found = await this.fs.stat(path).catch(() => null);
      if (found === null) {
        throw new CheckpointError("STATE_FILE_MISSING", `cannot complete checkpoint ${checkpointId}: the state file ${path} of task '${task.taskId}' was not written`, { checkpointId });
      }
    }
    await this.writeAtomically(dir, METADATA_FILE, new TextEncoder().encode(text), checkpointId, "the metadata");
    this.prepared.delete(checkpointId);
  }

  async listCompleted(): Promise<CheckpointMetadata[]> {
    if (this.isSavepoint) {
      const path = join(this.location, METADATA_FILE);
      const found = await this.tryReadMetadata(path, null);
      return found === null ? [] : [found];
    }
    let names: string[];
    try {
      names = await this.fs.readdir(this.location);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return [];
      throw new CheckpointError("STORAGE_READ_FAILED", `cannot list checkpoints in ${this.location}: ${osMessage(error)}`, { cause: error });
    }
    const found: CheckpointMetadata[] = [];
    for (const name of names) {
      const match = CHECKPOINT_DIR.exec(name);
      if (match === null) continue;
      const metadata = await this.tryReadMetadata(join(this.location, name, METADATA_FILE), Number(match[1]));
      if (metadata !== null) found.push(metadata);
    }
    return found.sort((a, b) => b.checkpointId - a.checkpointId);
  }

  async readMetadata(where: number | string): Promise<CheckpointMetadata> {
    const path = this.metadataPath(where);
    let bytes: Uint8Array;
    try {
      bytes = await this.fs.readFile(path);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") {
        const what = typeof where === "number" ? `checkpoint ${where}` : `a checkpoint or savepoint at ${where}`;
        throw new CheckpointError("SAVEPOINT_NOT_FOUND", `no completed ${what}: ${path} does not exist`, { ...idOption(where), cause: error });
      }
      throw new CheckpointError("STORAGE_READ_FAILED", `cannot read checkpoint metadata ${path}: ${osMessage(error)}`, { ...idOption(where), cause: error });
    }
    return decodeMetadata(new TextDecoder().decode(bytes), path);
  }

  async readTaskState(where: number | string, file: string, expectedChecksum: string): Promise<Uint8Array> {
    const dir = typeof where === "number" ? this.directoryOf(where) : where;
    if (!stateFileNameSchema.safeParse(file).success) {
      throw new CheckpointError("METADATA_CORRUPT", `checkpoint metadata in ${dir} names the state file '${file}', which is not a plain file name in that directory`, idOption(where));
    }
    const path = join(dir, file);
    let bytes: Uint8Array;
    try {
      bytes = await this.fs.readFile(path);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") {
        throw new CheckpointError("STATE_FILE_MISSING", `checkpoint state file ${path} is missing`, { ...idOption(where), cause: error });
      }
      throw new CheckpointError("STORAGE_READ_FAILED", `cannot read checkpoint state file ${path}: ${osMessage(error)}`, { ...idOption(where), cause: error });
    }
    const actual = sha256Hex(bytes);
    if (actual !== expectedChecksum) {
      throw new CheckpointError("STATE_FILE_CORRUPT", `checkpoint state file ${path} is corrupt: its sha256 is ${actual}, the metadata recorded ${expectedChecksum}`, idOption(where));
    }
    return bytes;
  }

  async discard(checkpointId: number): Promise<void> {
    this.prepared.delete(checkpointId);
    // A task write arriving after the discard must not create the directory again (it would leak).
    this.discarded.add(checkpointId);
    const dir = this.directoryOf(checkpointId);
    try {
      // Metadata first and durably: from then on a crash leaves an incomplete (ignored) checkpoint.
      if ((await this.fs.stat(join(dir, METADATA_FILE))) !== null) {
        await this.fs.remove(join(dir, METADATA_FILE));
        await this.fs.syncDir(dir);
      }
      if (!this.isSavepoint) {
        await this.fs.remove(dir);
        return;
      }
      // A savepoint directory is the user's: remove only the files this storage writes.
      const names = await this.fs.readdir(dir).catch((error: unknown) => (errorCode(error) === "ENOENT" ? [] : Promise.reject(error)));
      for (const name of names) if (name.endsWith(STATE_SUFFIX) || name.includes(TEMP_MARKER)) await this.fs.remove(join(dir, name));
    } catch (error) {
      throw new CheckpointError("STORAGE_WRITE_FAILED", `cannot discard checkpoint ${checkpointId} in ${dir}: ${osMessage(error)}`, { checkpointId, cause: error });
    }
  }

  // ---- internals ----

  /** Create the checkpoint's directory once, refusing one that already holds a completed checkpoint. */
  private prepare(checkpointId: number): Promise<string> {
    if (this.discarded.has(checkpointId)) {
      return Promise.reject(new CheckpointError("STORAGE_WRITE_FAILED", `checkpoint ${checkpointId} in ${this.location} was discarded; its state is not written`, { checkpointId }));
    }
    let ready = this.prepared.get(checkpointId);
    if (ready === undefined) {
      ready = this.createDirectory(checkpointId);
      this.prepared.set(checkpointId, ready);
      ready.catch(() => this.prepared.delete(checkpointId));
    }
    return ready;
  }

  private async createDirectory(checkpointId: number): Promise<string> {
    const dir = this.directoryOf(checkpointId);
    try {
      await this.fs.mkdir(dir);
      if (!this.isSavepoint) await this.fs.syncDir(this.location);
    } catch (error) {
      throw new CheckpointError("STORAGE_WRITE_FAILED", `cannot create checkpoint directory ${dir}: ${osMessage(error)}`, { checkpointId, cause: error });
    }
    if ((await this.fs.stat(join(dir, METADATA_FILE)).catch(() => null)) !== null) {
      const what = this.isSavepoint ? "savepoint directory" : "checkpoint directory";
      throw new CheckpointError("STORAGE_WRITE_FAILED", `${what} ${dir} already holds a completed checkpoint (${METADATA_FILE}); refusing to overwrite it`, { checkpointId });
    }
    return dir;
  }

  /** temp file → fsync → rename → fsync dir; on failure remove both names and reject STORAGE_WRITE_FAILED. */
  private async writeAtomically(dir: string, name: string, bytes: Uint8Array, checkpointId: number, what: string): Promise<void> {
    const path = join(dir, name);
    const temp = `${path}${TEMP_MARKER}${randomBytes(6).toString("hex")}`;
    let renamed = false;
    try {
      await this.fs.writeFileSynced(temp, bytes);
      await this.fs.rename(temp, path);
      renamed = true;
      await this.fs.syncDir(dir);
    } catch (error) {
      await this.fs.remove(temp).catch(() => undefined);
      // Durability of the rename is unknown: take the file back so nothing looks complete.
      if (renamed) await this.fs.remove(path).catch(() => undefined);
      throw new CheckpointError("STORAGE_WRITE_FAILED", `cannot write ${what} of checkpoint ${checkpointId} to ${path}: ${osMessage(error)}`, { checkpointId, cause: error });
    }
  }

  private metadataPath(where: number | string): string {
    if (typeof where === "number") return join(this.directoryOf(where), METADATA_FILE);
    return basename(where) === METADATA_FILE ? where : join(where, METADATA_FILE);
  }

  /** Metadata at `path`, or null (logged) when missing, unreadable, corrupt or in the wrong directory. */
  private async tryReadMetadata(path: string, expectedId: number | null): Promise<CheckpointMetadata | null> {
    let bytes: Uint8Array;
    try {
      bytes = await this.fs.readFile(path);
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") this.logger.debug(`ignoring incomplete checkpoint: ${path} does not exist`);
      else this.logger.warn(`ignoring checkpoint whose metadata ${path} cannot be read: ${osMessage(error)}`);
      return null;
    }
    try {
      const metadata = decodeMetadata(new TextDecoder().decode(bytes), path);
      if (expectedId !== null && metadata.checkpointId !== expectedId) {
        this.logger.warn(`ignoring checkpoint metadata ${path}: it records checkpoint ${metadata.checkpointId}, not ${expectedId}`);
        return null;
      }
      return metadata;
    } catch (error) {
      this.logger.warn(`ignoring corrupt checkpoint: ${osMessage(error)}`);
      return null;
    }
  }
}
