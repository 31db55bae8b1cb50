/**
 * @module state/sqlite/sqlite-kv-store
 * A KvStore in one SQLite file (bun:sqlite): a `WITHOUT ROWID` table of BLOB keys and values, WAL
 * journal, prepared statements, and one transaction per write batch.
 */
import { Database, type Statement } from "bun:sqlite";
import { rm } from "node:fs/promises";
import type { KvBatch, KvStore } from "../disk/kv-store.ts";

/** Rows fetched per query while scanning (bounds the memory of a whole-store scan). */
const SCAN_PAGE = 8_192;

type Row = [Uint8Array, Uint8Array | null];

function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

export class SqliteKvStore implements KvStore {
  private readonly db: Database;
  private readonly getStmt: Statement;
  private readonly putStmt: Statement;
  private readonly delStmt: Statement;
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;
  /** [from inclusive | after exclusive][with values][bounded] -> paged scan statement. */
  private readonly scans = new Map<string, Statement>();
  private readonly batch: KvBatch;

  constructor(readonly location: string) {
    this.db = new Database(location, { create: true, readwrite: true });
    // State is rebuilt from checkpoints after a crash, so the file needs no fsync (synchronous=OFF).
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = OFF");
    this.db.exec("PRAGMA cache_size = -65536");
    this.db.exec("PRAGMA temp_store = MEMORY");
    this.db.exec("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
    this.getStmt = this.db.prepare("SELECT v FROM kv WHERE k = ?");
    this.putStmt = this.db.prepare("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)");
    this.delStmt = this.db.prepare("DELETE FROM kv WHERE k = ?");
    this.begin = this.db.prepare("BEGIN");
    this.commit = this.db.prepare("COMMIT");
    this.rollback = this.db.prepare("ROLLBACK");
    const put = this.putStmt;
    const del = this.delStmt;
    this.batch = {
      put: (k, v) => void put.run(k, v),
      del: (k) => void del.run(k),
    };
  }

  get(key: Uint8Array): Buffer | undefined {
    const rows = this.getStmt.values(key);
    const v = rows[0]?.[0];
    return v instanceof Uint8Array ? asBuffer(v) : undefined;
  }

  private scanStatement(first: boolean, withValues: boolean, bounded: boolean): Statement {
    const id = `${first}${withValues}${bounded}`;
    let s = this.scans.get(id);
    if (s === undefined) {
      const cols = withValues ? "k, v" : "k, NULL";
      const where = `${first ? "k >= ?1" : "k > ?1"}${bounded ? " AND k < ?2" : ""}`;
      s = this.db.prepare(`SELECT ${cols} FROM kv WHERE ${where} ORDER BY k LIMIT ${SCAN_PAGE}`);
      this.scans.set(id, s);
    }
    return s;
  }

  scan(start: Uint8Array, end: Uint8Array | null, withValues: boolean, visit: (key: Buffer, value: Buffer | undefined) => void): void {
    let from: Uint8Array = start;
    let first = true;
    for (;;) {
      const stmt = this.scanStatement(first, withValues, end !== null);
      const rows = (end === null ? stmt.values(from) : stmt.values(from, end)) as Row[];
      for (const [k, v] of rows) visit(asBuffer(k), v === null ? undefined : asBuffer(v));
      if (rows.length < SCAN_PAGE) return;
      from = rows[rows.length - 1]![0];
      first = false;
    }
  }

  write(fill: (batch: KvBatch) => void): void {
    this.begin.run();
    try {
      fill(this.batch);
      this.commit.run();
    } catch (e) {
      this.rollback.run();
      throw e;
    }
  }

  async destroy(): Promise<void> {
    for (const s of this.scans.values()) s.finalize();
    for (const s of [this.getStmt, this.putStmt, this.delStmt, this.begin, this.commit, this.rollback]) s.finalize();
    this.db.close();
    await Promise.all(["", "-wal", "-shm"].map((suffix) => rm(this.location + suffix, { force: true })));
  }
}
