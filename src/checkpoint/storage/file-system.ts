/**
 * @module checkpoint/storage/file-system
 * The few file operations FsCheckpointStorage needs, behind an interface so tests can inject failures
 * (a full disk, a failing fsync) that running as root makes impossible to provoke with permissions.
 */
import { mkdir, open, readFile, readdir, rename, rm, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";

export interface FileSystem {
  /** Create a directory and its parents; no error when it exists. */
  mkdir(path: string): Promise<void>;
  /** Create `path` (it must not exist), write all of `bytes`, fsync and close it. */
  writeFileSynced(path: string, bytes: Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** fsync a directory, so renames and new entries in it survive a crash. */
  syncDir(path: string): Promise<void>;
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string): Promise<string[]>;
  /** Null when nothing exists at `path`. */
  stat(path: string): Promise<{ readonly isDirectory: boolean } | null>;
  /** Remove a file or a directory tree; no error when it does not exist. */
  remove(path: string): Promise<void>;
}

/** The OS error code of a node:fs error (ENOENT, ENOSPC, ...), if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The real file system (node:fs/promises). */
export const nodeFileSystem: FileSystem = {
  async mkdir(path) {
    await mkdir(path, { recursive: true });
  },
  async writeFileSynced(path, bytes) {
    const handle = await open(path, "wx");
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename,
  async syncDir(path) {
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, "r");
      await handle.sync();
    } catch (error) {
      // Some platforms cannot fsync a directory; there the rename is as durable as it gets.
      const code = errorCode(error);
      if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw error;
    } finally {
      await handle?.close();
    }
  },
  async readFile(path) {
    return new Uint8Array(await readFile(path));
  },
  readdir: (path) => readdir(path),
  async stat(path) {
    try {
      return { isDirectory: (await stat(path)).isDirectory() };
    } catch (error) {
      const code = errorCode(error);
      if (code === "ENOENT" || code === "ENOTDIR") return null;
      throw error;
    }
  },
  async remove(path) {
    await rm(path, { recursive: true, force: true });
  },
};
