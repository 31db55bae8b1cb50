/**
 * @module connectors/file/file-sink
 * FileSink: exactly-once row files in a directory (Flink's FileSink with a row format), built on
 * TwoPhaseCommitSink. One transaction = one part file per subtask and checkpoint period.
 *
 * File life cycle (subtask s, sequence number n, ext = "jsonl" | "txt"):
 *
 *   (nothing) ──first record──► <dir>/.part-s-n.inprogress ──preCommit: fsync + close──►
 *             ──commit: rename──► <dir>/part-s-n.<ext>        abort: delete the .inprogress file
 *
 * - Readers see only `part-*` files; a file appears whole, by an atomic rename, once the checkpoint
 *   that pre-committed it completed. Hidden `.part-*.inprogress` files are never final output.
 * - Commit is idempotent: when the in-progress file is gone and the part file exists, the txn was
 *   committed already. When both are gone (files moved away before restoring an old savepoint) the
 *   recovery commit logs a warning, as Flink does, instead of failing the job forever.
 * - An empty transaction creates no file.
 * - n grows per subtask and never repeats: it starts after the highest n in the restored state and
 *   the highest n on disk for this subtask, so a restore, a rescale or a second job writing into the
 *   same directory does not overwrite a part file.
 * - On restore, in-progress files of the recovered subtasks that the restored state does not know
 *   (n at or above its open txn) belong to the failed attempt: they are deleted.
 * - Without checkpointing, everything is committed at end of input; a failure before that restarts
 *   from scratch and leaves nothing visible, but a failure after some subtasks ended may duplicate
 *   their files (at-least-once; see the end-of-input window in two-phase-commit-sink.ts).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { log, PlanError } from "../../core/index.ts";
import type { PlanNode } from "../../plan/index.ts";
import { ConnectorError } from "../common/connector-error.ts";
import { TwoPhaseCommitSink, type SinkInitContext } from "../common/two-phase-commit-sink.ts";

/** How a record becomes a line: JSON (`jsonl`, the default) or `String(value)` (`text`). */
export type FileFormat = "jsonl" | "text";
export const FILE_FORMATS: readonly FileFormat[] = ["jsonl", "text"];

/** Config of a `sink:file` plan node. */
export interface FileSinkConfig {
  /** The directory part files go to (created when missing). */
  readonly path: string;
  readonly format: FileFormat;
}

/** One part file in the making. Plain data: it is stored in checkpoints. */
export interface FileTransaction {
  readonly subtask: number;
  readonly seq: number;
  readonly inProgressPath: string;
  readonly finalPath: string;
  /** Records written so far; 0 means no file was created. */
  records: number;
}

const IN_PROGRESS = /^\.part-(\d+)-(\d+)\.inprogress$/;
const PART = /^part-(\d+)-(\d+)\.[A-Za-z0-9]+$/;

/** Check a `sink:file` node's config; the PlanError names the node. */
export function parseFileSinkConfig(node: Pick<PlanNode, "id" | "kind" | "name" | "config">): FileSinkConfig {
  const { path, format = "jsonl" } = node.config;
  const where = `${node.kind} '${node.name}' (${node.id})`;
  if (typeof path !== "string" || path.trim() === "") {
    throw new PlanError(`${where}: option 'path' must be a non-empty directory path, got ${JSON.stringify(path)}`);
  }
  if (typeof format !== "string" || !(FILE_FORMATS as readonly string[]).includes(format)) {
    throw new PlanError(`${where}: option 'format' must be one of ${FILE_FORMATS.map((f) => `'${f}'`).join(", ")}, got ${JSON.stringify(format)}`);
  }
  return { path, format: format as FileFormat };
}

function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "null";
}

/**
 * Exactly-once file sink: part files appear when the checkpoint covering them completes.
 * Usually created through `stream.writeToFiles(dir)`; the plan node kind is `sink:file`.
 *
 * @example
 * const sink = new FileSink<{ word: string }>({ path: "/tmp/out", format: "jsonl" });
 * // stream.writeToFiles("/tmp/out") adds the same sink to a job.
 */
export class FileSink<T> extends TwoPhaseCommitSink<T, FileTransaction> {
  private readonly dir: string;
  private readonly ext: string;
  private readonly toLine: (value: unknown) => string;
  /** Open descriptors of in-progress files, by path (not part of the txn: it must stay plain data). */
  private readonly fds = new Map<string, number>();
  private subtask = 0;
  private nextSeq = 0;

  constructor(config: FileSinkConfig) {
    super();
    this.dir = config.path;
    this.ext = config.format === "text" ? "txt" : "jsonl";
    this.toLine = config.format === "text" ? String : jsonLine;
  }

  protected override initializeSink(ctx: SinkInitContext<FileTransaction>): void {
    this.subtask = ctx.location.subtaskIndex;
    mkdirSync(this.dir, { recursive: true });
    // Highest seq the restored state knows, per previous subtask (the open txn is the newest).
    const known = new Map<number, number>();
    for (const r of ctx.recovered) {
      for (const txn of [...r.pending, ...(r.open === null ? [] : [r.open])]) {
        known.set(txn.subtask, Math.max(known.get(txn.subtask) ?? -1, txn.seq));
      }
    }
    if (ctx.isRestored) {
      // Leftovers of the failed attempt: in-progress files of the subtasks this one recovered (and its
      // own index) newer than the restored state. Older ones were committed or aborted above.
      const owners = new Set([this.subtask, ...ctx.recovered.map((r) => r.subtask)]);
      for (const name of this.listDir()) {
        const m = IN_PROGRESS.exec(name);
        if (m === null || !owners.has(Number(m[1]))) continue;
        const openSeq = known.get(Number(m[1])) ?? -1;
        if (Number(m[2]) >= openSeq) this.remove(join(this.dir, name));
      }
    }
    let next = (known.get(this.subtask) ?? -1) + 1;
    for (const name of this.listDir()) {
      const m = IN_PROGRESS.exec(name) ?? PART.exec(name);
      if (m !== null && Number(m[1]) === this.subtask) next = Math.max(next, Number(m[2]) + 1);
    }
    this.nextSeq = next;
  }

  protected beginTransaction(): FileTransaction {
    const seq = this.nextSeq++;
    const s = this.subtask;
    return { subtask: s, seq, inProgressPath: join(this.dir, `.part-${s}-${seq}.inprogress`), finalPath: join(this.dir, `part-${s}-${seq}.${this.ext}`), records: 0 };
  }

  protected write(txn: FileTransaction, values: readonly T[]): void {
    if (values.length === 0) return;
    let text = "";
    for (const v of values) text += `${this.toLine(v)}\n`;
    try {
      let fd = this.fds.get(txn.inProgressPath);
      if (fd === undefined) {
        fd = openSync(txn.inProgressPath, "w");
        this.fds.set(txn.inProgressPath, fd);
      }
      writeSync(fd, text);
    } catch (error) {
      throw new ConnectorError(`file sink: cannot write ${txn.inProgressPath}`, { cause: error });
    }
    txn.records += values.length;
  }

  protected preCommit(txn: FileTransaction): void {
    const fd = this.fds.get(txn.inProgressPath);
    if (fd === undefined) return;
    this.fds.delete(txn.inProgressPath);
    try {
      fsyncSync(fd);
    } catch (error) {
      throw new ConnectorError(`file sink: cannot fsync ${txn.inProgressPath}`, { cause: error });
    } finally {
      closeSync(fd);
    }
  }

  protected commit(txn: FileTransaction): void {
    if (!this.commitFile(txn)) {
      throw new ConnectorError(`file sink: neither ${txn.inProgressPath} nor ${txn.finalPath} exists; the part file of ${txn.records} records is lost`, { retriable: false });
    }
  }

  protected override recoverAndCommit(txn: FileTransaction): void {
    if (!this.commitFile(txn)) {
      log.warn(`file sink: neither ${txn.inProgressPath} nor ${txn.finalPath} exists while recovering; assuming it was committed and moved away`);
    }
  }

  protected abort(txn: FileTransaction): void {
    const fd = this.fds.get(txn.inProgressPath);
    if (fd !== undefined) {
      this.fds.delete(txn.inProgressPath);
      closeSync(fd);
    }
    this.remove(txn.inProgressPath);
  }

  /** Rename in-progress -> part; false when there is nothing to rename and no part file either. */
  private commitFile(txn: FileTransaction): boolean {
    if (txn.records === 0) return true;
    if (existsSync(txn.inProgressPath)) {
      try {
        renameSync(txn.inProgressPath, txn.finalPath);
      } catch (error) {
        throw new ConnectorError(`file sink: cannot rename ${txn.inProgressPath} to ${txn.finalPath}`, { cause: error });
      }
      syncDirectory(this.dir);
      return true;
    }
    return existsSync(txn.finalPath);
  }

  private listDir(): string[] {
    try {
      return readdirSync(this.dir);
    } catch (error) {
      throw new ConnectorError(`file sink: cannot list ${this.dir}`, { cause: error });
    }
  }

  private remove(path: string): void {
    try {
      rmSync(path, { force: true });
    } catch (error) {
      throw new ConnectorError(`file sink: cannot delete ${path}`, { cause: error });
    }
  }
}

/** Persist a rename: fsync the directory (best effort; not every platform can open a directory). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Durability hint only: the rename itself succeeded.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
