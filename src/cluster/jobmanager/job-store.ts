/**
 * @module cluster/jobmanager/job-store
 * The JobManager's durable metadata (its HA store) in one SQLite file, `${dir}/jobmanager.sqlite`:
 * submitted jobs and their status, job bundles by content hash, completed checkpoints and savepoints,
 * and the data-plane channel-id counter. A restarted JobManager reopens the file and carries on.
 *
 * Durability: WAL journal with `synchronous = FULL`, so a committed write (a job's status, a channel-id
 * block) survives a crash or power loss; every multi-statement change runs in one transaction.
 * Schema versions: `PRAGMA user_version` holds the schema version; `MIGRATIONS[v]` takes a database
 * from version v to v + 1, and a file written by a newer Bicycle is refused rather than misread.
 * This file and src/state/sqlite/ are the only places that import bun:sqlite (test/architecture.test.ts).
 */
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BicycleError, type ErrorDomain } from "../../core/index.ts";

export type JobStatus = "created" | "running" | "restarting" | "cancelling" | "cancelled" | "finished" | "failed";

const JOB_STATUSES: ReadonlySet<string> = new Set<JobStatus>(["created", "running", "restarting", "cancelling", "cancelled", "finished", "failed"]);

export interface JobRecord {
  jobId: string;
  name: string;
  status: JobStatus;
  parallelism: number;
  planJson: string;
  optionsJson: string;
  /** sha256 hex of the job bundle (see putBundle), or null for a plan-only job. */
  bundleHash: string | null;
  /** Epoch ms. */
  submittedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  restarts: number;
  failure: string | null;
  latestCheckpoint: { id: number; path: string } | null;
  savepointPath: string | null;
}

export interface CheckpointRecord {
  jobId: string;
  checkpointId: number;
  path: string;
  sizeBytes: number;
  durationMs: number;
  /** Epoch ms. */
  completedAt: number;
  kind: "checkpoint" | "savepoint";
}

export type NewJobRecord = Omit<JobRecord, "restarts" | "failure" | "latestCheckpoint" | "savepointPath" | "startedAt" | "endedAt" | "status"> & { status?: JobStatus };
export type JobPatch = Partial<Pick<JobRecord, "status" | "startedAt" | "endedAt" | "restarts" | "failure" | "latestCheckpoint" | "savepointPath">>;

/** Why a JobStore call failed. */
export type StoreErrorCode = "JOB_NOT_FOUND" | "JOB_EXISTS" | "BUNDLE_NOT_FOUND" | "STORE_UNREADABLE" | "STORE_TOO_NEW";

const DOMAIN: Readonly<Record<StoreErrorCode, ErrorDomain>> = {
  JOB_NOT_FOUND: "user",
  JOB_EXISTS: "user",
  BUNDLE_NOT_FOUND: "user",
  STORE_UNREADABLE: "external",
  STORE_TOO_NEW: "external",
};

/** A JobStore failure; `code` says which. */
export class StoreError extends BicycleError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, cause?: unknown) {
    super(message, { code, domain: DOMAIN[code], cause });
  }
}

/** The database file inside the store directory. */
export const JOB_STORE_FILE = "jobmanager.sqlite";
/** The schema this code writes (`PRAGMA user_version`). */
export const JOB_STORE_SCHEMA_VERSION = 1;
/** Channel ids are u32; 0 is never handed out. */
const MAX_CHANNEL_ID = 0xffffffff;

/** MIGRATIONS[v] upgrades a database at schema version v to v + 1 (inside a transaction). */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE bundles (
     hash TEXT PRIMARY KEY, bytes BLOB NOT NULL, size_bytes INTEGER NOT NULL, stored_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE jobs (
     job_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, parallelism INTEGER NOT NULL,
     plan_json TEXT NOT NULL, options_json TEXT NOT NULL, bundle_hash TEXT REFERENCES bundles(hash),
     submitted_at INTEGER NOT NULL, started_at INTEGER, ended_at INTEGER,
     restarts INTEGER NOT NULL DEFAULT 0, failure TEXT,
     latest_checkpoint_id INTEGER, latest_checkpoint_path TEXT, savepoint_path TEXT
   );
   CREATE INDEX jobs_newest_first ON jobs (submitted_at DESC);
   CREATE TABLE checkpoints (
     job_id TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
     kind TEXT NOT NULL CHECK (kind IN ('checkpoint', 'savepoint')),
     checkpoint_id INTEGER NOT NULL, path TEXT NOT NULL, size_bytes INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL, completed_at INTEGER NOT NULL,
     PRIMARY KEY (job_id, kind, checkpoint_id)
   ) WITHOUT ROWID;
   CREATE INDEX checkpoints_newest_first ON checkpoints (job_id, completed_at DESC, checkpoint_id DESC);
   CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
   INSERT INTO counters (name, value) VALUES ('next_channel_id', 1);`,
];

interface JobRow {
  job_id: string;
  name: string;
  status: string;
  parallelism: number;
  plan_json: string;
  options_json: string;
  bundle_hash: string | null;
  submitted_at: number;
  started_at: number | null;
  ended_at: number | null;
  restarts: number;
  failure: string | null;
  latest_checkpoint_id: number | null;
  latest_checkpoint_path: string | null;
  savepoint_path: string | null;
}

interface CheckpointRow {
  job_id: string;
  kind: "checkpoint" | "savepoint";
  checkpoint_id: number;
  path: string;
  size_bytes: number;
  duration_ms: number;
  completed_at: number;
}

type Bind = Record<string, string | number | null | Uint8Array>;

function sha256Hex(bytes: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
}

/** Open (creating if needed) and migrate the database; throws StoreError naming the file. */
function openDatabase(file: string): Database {
  let db: Database | undefined;
  try {
    db = new Database(file, { create: true, readwrite: true, strict: true });
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    db.exec("PRAGMA foreign_keys = ON");
    const database = db;
    const version = (): number => database.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
    database.transaction(() => {
      const from = version();
      if (from > JOB_STORE_SCHEMA_VERSION) {
        throw new StoreError("STORE_TOO_NEW", `JobManager store ${file} has schema version ${from}, newer than this Bicycle supports (${JOB_STORE_SCHEMA_VERSION})`);
      }
      for (let v = from; v < JOB_STORE_SCHEMA_VERSION; v++) {
        database.exec(MIGRATIONS[v]!);
        database.exec(`PRAGMA user_version = ${v + 1}`);
      }
    }).immediate();
    return database;
  } catch (e) {
    db?.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError("STORE_UNREADABLE", `cannot open JobManager store ${file}: ${(e as Error).message}`, e);
  }
}

/**
 * The JobManager's HA store. One instance per JobManager process; every method is synchronous and
 * durable on return.
 *
 * @example
 * const store = JobStore.open("/var/lib/bicycle/jobmanager");
 * const hash = store.putBundle(bundleBytes);
 * store.createJob({ jobId, name: "wordcount", parallelism: 4, planJson, optionsJson: "{}", bundleHash: hash, submittedAt: Date.now() });
 * const channelBase = store.allocateChannelIds(64);
 * store.updateJob(jobId, { status: "running", startedAt: Date.now() });
 */
export class JobStore {
  private readonly stmts: Statement[] = [];
  private readonly putBundleStmt: Statement<unknown, [Bind]>;
  private readonly getBundleStmt: Statement<{ bytes: Uint8Array }, [Bind]>;
  private readonly hasBundleStmt: Statement<{ one: number }, [Bind]>;
  private readonly insertJobStmt: Statement<unknown, [Bind]>;
  private readonly writeJobStmt: Statement<unknown, [Bind]>;
  private readonly getJobStmt: Statement<JobRow, [Bind]>;
  private readonly listJobsStmt: Statement<JobRow, []>;
  private readonly putCheckpointStmt: Statement<unknown, [Bind]>;
  private readonly advanceLatestStmt: Statement<unknown, [Bind]>;
  private readonly checkpointsStmt: Statement<CheckpointRow, [Bind]>;
  private readonly getCounterStmt: Statement<{ value: number }, [Bind]>;
  private readonly setCounterStmt: Statement<unknown, [Bind]>;
  private closed = false;

  private constructor(
    /** The database file. */
    readonly file: string,
    private readonly db: Database,
  ) {
    const prep = <R, P extends Bind | [] = Bind>(sql: string) => {
      const s = db.prepare<R, P>(sql);
      this.stmts.push(s);
      return s;
    };
    this.putBundleStmt = prep("INSERT OR IGNORE INTO bundles (hash, bytes, size_bytes, stored_at) VALUES ($hash, $bytes, $size, $at)");
    this.getBundleStmt = prep("SELECT bytes FROM bundles WHERE hash = $hash");
    this.hasBundleStmt = prep("SELECT 1 AS one FROM bundles WHERE hash = $hash");
    this.insertJobStmt = prep(
      `INSERT INTO jobs (job_id, name, status, parallelism, plan_json, options_json, bundle_hash, submitted_at)
       VALUES ($job_id, $name, $status, $parallelism, $plan_json, $options_json, $bundle_hash, $submitted_at)`,
    );
    this.writeJobStmt = prep(
      `UPDATE jobs SET status = $status, started_at = $started_at, ended_at = $ended_at, restarts = $restarts,
         failure = $failure, latest_checkpoint_id = $latest_checkpoint_id, latest_checkpoint_path = $latest_checkpoint_path,
         savepoint_path = $savepoint_path
       WHERE job_id = $job_id`,
    );
    this.getJobStmt = prep("SELECT * FROM jobs WHERE job_id = $job_id");
    this.listJobsStmt = prep<JobRow, []>("SELECT * FROM jobs ORDER BY submitted_at DESC, rowid DESC");
    this.putCheckpointStmt = prep(
      `INSERT OR REPLACE INTO checkpoints (job_id, kind, checkpoint_id, path, size_bytes, duration_ms, completed_at)
       VALUES ($job_id, $kind, $checkpoint_id, $path, $size_bytes, $duration_ms, $completed_at)`,
    );
    // A checkpoint recorded late (lower id than the latest) does not move latestCheckpoint back.
    this.advanceLatestStmt = prep(
      `UPDATE jobs SET latest_checkpoint_id = $id, latest_checkpoint_path = $path
       WHERE job_id = $job_id AND (latest_checkpoint_id IS NULL OR latest_checkpoint_id <= $id)`,
    );
    this.checkpointsStmt = prep("SELECT * FROM checkpoints WHERE job_id = $job_id ORDER BY completed_at DESC, checkpoint_id DESC LIMIT $limit");
    this.getCounterStmt = prep("SELECT value FROM counters WHERE name = $name");
    this.setCounterStmt = prep("INSERT OR REPLACE INTO counters (name, value) VALUES ($name, $value)");
  }

  /** Open the store in `dir` (created if missing). A corrupt or unreadable file throws a StoreError naming it. */
  static open(dir: string): JobStore {
    const file = join(dir, JOB_STORE_FILE);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new StoreError("STORE_UNREADABLE", `cannot create JobManager store directory ${dir}: ${(e as Error).message}`, e);
    }
    const db = openDatabase(file);
    try {
      return new JobStore(file, db);
    } catch (e) {
      db.close();
      throw new StoreError("STORE_UNREADABLE", `cannot prepare the JobManager store ${file}: ${(e as Error).message}`, e);
    }
  }

  /** Store a job bundle; returns its sha256 hex. Storing the same bytes again is a no-op. */
  putBundle(bytes: Uint8Array): string {
    const hash = sha256Hex(bytes);
    this.putBundleStmt.run({ hash, bytes, size: bytes.byteLength, at: Date.now() });
    return hash;
  }

  getBundle(hash: string): Uint8Array | null {
    return this.getBundleStmt.get({ hash })?.bytes ?? null;
  }

  /**
   * Record a submitted job (status "created" unless given). Throws StoreError JOB_EXISTS for a known
   * id, BUNDLE_NOT_FOUND when `bundleHash` names a bundle not stored here (put it first).
   */
  createJob(record: NewJobRecord): void {
    this.db.transaction(() => {
      if (this.getJobStmt.get({ job_id: record.jobId }) !== null) throw new StoreError("JOB_EXISTS", `job ${record.jobId} already exists in ${this.file}`);
      if (record.bundleHash !== null && this.hasBundleStmt.get({ hash: record.bundleHash }) === null) {
        throw new StoreError("BUNDLE_NOT_FOUND", `job ${record.jobId} refers to bundle ${record.bundleHash}, which is not stored`);
      }
      this.insertJobStmt.run({
        job_id: record.jobId,
        name: record.name,
        status: record.status ?? "created",
        parallelism: record.parallelism,
        plan_json: record.planJson,
        options_json: record.optionsJson,
        bundle_hash: record.bundleHash,
        submitted_at: record.submittedAt,
      });
    }).immediate();
  }

  /** Change the mutable fields of a job; a field absent from `patch` keeps its value, null clears it. */
  updateJob(jobId: string, patch: JobPatch): void {
    this.db.transaction(() => {
      const current = this.requireJob(jobId);
      const next: JobRecord = { ...current };
      if (patch.status !== undefined) next.status = patch.status;
      if (patch.startedAt !== undefined) next.startedAt = patch.startedAt;
      if (patch.endedAt !== undefined) next.endedAt = patch.endedAt;
      if (patch.restarts !== undefined) next.restarts = patch.restarts;
      if (patch.failure !== undefined) next.failure = patch.failure;
      if (patch.latestCheckpoint !== undefined) next.latestCheckpoint = patch.latestCheckpoint;
      if (patch.savepointPath !== undefined) next.savepointPath = patch.savepointPath;
      this.writeJobStmt.run({
        job_id: jobId,
        status: next.status,
        started_at: next.startedAt,
        ended_at: next.endedAt,
        restarts: next.restarts,
        failure: next.failure,
        latest_checkpoint_id: next.latestCheckpoint?.id ?? null,
        latest_checkpoint_path: next.latestCheckpoint?.path ?? null,
        savepoint_path: next.savepointPath,
      });
    }).immediate();
  }

  getJob(jobId: string): JobRecord | null {
    const row = this.getJobStmt.get({ job_id: jobId });
    return row === null ? null : this.toJob(row);
  }

  /** Every job, newest submission first (ties: the later created first). */
  listJobs(): JobRecord[] {
    return this.listJobsStmt.all().map((row) => this.toJob(row));
  }

  /**
   * Record a completed checkpoint or savepoint (recording the same job, kind and id again replaces it).
   * A checkpoint also becomes the job's latestCheckpoint unless a higher id is already there.
   */
  recordCheckpoint(r: CheckpointRecord): void {
    this.db.transaction(() => {
      this.requireJob(r.jobId);
      this.putCheckpointStmt.run({
        job_id: r.jobId,
        kind: r.kind,
        checkpoint_id: r.checkpointId,
        path: r.path,
        size_bytes: r.sizeBytes,
        duration_ms: r.durationMs,
        completed_at: r.completedAt,
      });
      if (r.kind === "checkpoint") this.advanceLatestStmt.run({ job_id: r.jobId, id: r.checkpointId, path: r.path });
    }).immediate();
  }

  /** The job's checkpoints and savepoints, newest first, at most `limit` (default all). */
  checkpoints(jobId: string, limit?: number): CheckpointRecord[] {
    return this.checkpointsStmt.all({ job_id: jobId, limit: limit ?? -1 }).map((row) => ({
      jobId: row.job_id,
      checkpointId: row.checkpoint_id,
      path: row.path,
      sizeBytes: row.size_bytes,
      durationMs: row.duration_ms,
      completedAt: row.completed_at,
      kind: row.kind,
    }));
  }

  /**
   * Reserve `count` consecutive u32 channel ids; returns the first. The counter is persisted before
   * this returns, so no id is handed out twice, also across JobManager restarts. Ids run from 1 to
   * 0xffffffff; a block that would pass the end starts again at 1 (by then the old attempts are long gone).
   */
  allocateChannelIds(count: number): number {
    if (!Number.isInteger(count) || count < 0 || count > MAX_CHANNEL_ID) {
      throw new RangeError(`channel id block size must be an integer in 0..${MAX_CHANNEL_ID}, got ${count}`);
    }
    return this.db.transaction(() => {
      const next = this.getCounterStmt.get({ name: "next_channel_id" })?.value ?? 1;
      const first = next < 1 || next + count - 1 > MAX_CHANNEL_ID || next > MAX_CHANNEL_ID ? 1 : next;
      this.setCounterStmt.run({ name: "next_channel_id", value: first + count });
      return first;
    }).immediate();
  }

  /** Close the database (idempotent). The store cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.stmts) s.finalize();
    this.db.close();
  }

  private requireJob(jobId: string): JobRecord {
    const row = this.getJobStmt.get({ job_id: jobId });
    if (row === null) throw new StoreError("JOB_NOT_FOUND", `job ${jobId} not found in ${this.file}`);
    return this.toJob(row);
  }

  private toJob(row: JobRow): JobRecord {
    if (!JOB_STATUSES.has(row.status)) {
      throw new StoreError("STORE_UNREADABLE", `job ${row.job_id} in ${this.file} has an unknown status '${row.status}'`);
    }
    return {
      jobId: row.job_id,
      name: row.name,
      status: row.status as JobStatus,
      parallelism: row.parallelism,
      planJson: row.plan_json,
      optionsJson: row.options_json,
      bundleHash: row.bundle_hash,
      submittedAt: row.submitted_at,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      restarts: row.restarts,
      failure: row.failure,
      latestCheckpoint: row.latest_checkpoint_id === null ? null : { id: row.latest_checkpoint_id, path: row.latest_checkpoint_path ?? "" },
      savepointPath: row.savepoint_path,
    };
  }
}
