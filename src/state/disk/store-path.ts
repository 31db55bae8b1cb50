/**
 * @module state/disk/store-path
 * Where a disk backend puts the files of one keyed store: a fresh name per store under the state
 * directory, readable enough to tell operator and key groups apart when looking at the directory.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { KeyedBackendOptions } from "../backend.ts";
import { StateError } from "../errors.ts";

/** `<dir>/<operator>-kg<start>-<end>-<random><suffix>`, creating `dir` if needed. */
export async function storePath(dir: string, options: KeyedBackendOptions, suffix: string): Promise<string> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new StateError(`cannot create state directory ${dir} for operator ${options.operatorId}: ${(e as Error).message}`, e);
  }
  const operator = options.operatorId.replace(/[^A-Za-z0-9_.-]+/g, "_").slice(0, 64);
  const { start, end } = options.keyGroupRange;
  return join(dir, `${operator}-kg${start}-${end}-${crypto.randomUUID().slice(0, 8)}${suffix}`);
}
