/**
 * Asynchronous operator hooks (core/operator.ts): a two-phase-commit sink whose transactions flush and
 * commit asynchronously (as a Kafka sink's do) keeps exactly-once output under injected failures, the
 * task takes no input while such work is pending, and a failing asynchronous hook fails the job naming
 * the operator.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerSink, TwoPhaseCommitSink } from "../src/connectors/index.ts";
import { StreamEnvironment } from "../src/index.ts";
import type { JobDefinition, PlanNode } from "../src/plan/index.ts";
import { executeLocally } from "../src/runtime/index.ts";

const root = mkdtempSync(join(tmpdir(), "bicycle-async-hooks-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tick = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An in-memory transactional store with asynchronous pre-commit and commit; commit is idempotent. */
const store = { committed: new Map<string, unknown[]>(), maxInFlightWhileWriting: 0, failCommit: false };

interface Txn {
  id: string;
  rows: unknown[];
}

class AsyncStoreSink extends TwoPhaseCommitSink<unknown, Txn> {
  private seq = 0;
  /** Asynchronous hooks of this subtask still running. */
  private inFlight = 0;
  protected async beginTransaction(after: number): Promise<Txn> {
    await tick(1);
    return { id: `${this.constructor.name}-${after}-${this.seq++}-${Math.random()}`, rows: [] };
  }
  protected write(txn: Txn, values: readonly unknown[]): void {
    // The task never writes while an asynchronous hook of this sink is still running.
    store.maxInFlightWhileWriting = Math.max(store.maxInFlightWhileWriting, this.inFlight);
    txn.rows.push(...values);
  }
  protected async preCommit(_txn: Txn): Promise<void> {
    this.inFlight++;
    await tick(2);
    this.inFlight--;
  }
  protected async commit(txn: Txn): Promise<void> {
    this.inFlight++;
    await tick(2);
    this.inFlight--;
    if (store.failCommit) throw new Error("the store refused the commit");
    store.committed.set(txn.id, txn.rows);
  }
  protected async abort(_txn: Txn): Promise<void> {
    await tick(1);
  }
}

registerSink("sink:async-store-test", () => new AsyncStoreSink());

const EVENTS = 20_000;
const KEYS = 13;

/** generator -> keyed running count -> the async sink; the map fails once after `failAt` records. */
function job(failAt: number | null): JobDefinition {
  const env = StreamEnvironment.create({ parallelism: 2 });
  let seen = 0;
  let failed = false;
  env
    .fromGenerator(EVENTS, (i) => ({ key: i % KEYS, n: 1 }), { batchSize: 50, ratePerSecond: 40_000 })
    .map((e) => {
      if (failAt !== null && !failed && ++seen === failAt) {
        failed = true;
        throw new Error("injected failure");
      }
      return e;
    })
    .keyBy((e) => e.key)
    .reduce((a, b) => ({ key: a.key, n: a.n + b.n }))
    .discard();
  const definition = env.getJobDefinition("async-sink");
  const nodes = definition.plan.nodes.map((n: PlanNode) => (n.kind === "sink:discard" ? { ...n, kind: "sink:async-store-test" } : n));
  return { plan: { ...definition.plan, nodes }, functions: definition.functions };
}

/** Every (key, running count) exactly once: the independent computation. */
function expected(): string[] {
  const out: string[] = [];
  const counts = new Map<number, number>();
  for (let i = 0; i < EVENTS; i++) {
    const k = i % KEYS;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    out.push(`${k}:${counts.get(k)}`);
  }
  return out.sort();
}

const committedRows = (): string[] =>
  [...store.committed.values()]
    .flat()
    .map((r) => `${(r as { key: number }).key}:${(r as { n: number }).n}`)
    .sort();

describe("asynchronous operator hooks", () => {
  test("a sink with asynchronous pre-commit and commit is exactly once across a failure and restart", async () => {
    store.committed.clear();
    store.maxInFlightWhileWriting = 0;
    const result = await executeLocally(job(7_000), {
      checkpointInterval: 30,
      checkpointDir: join(root, "eo"),
      restartStrategy: { type: "fixed-delay", attempts: 3, delayMs: 10 },
    });
    expect(result.restarts).toBe(1);
    expect(result.checkpoints.counts.completed).toBeGreaterThan(0);
    expect(committedRows()).toEqual(expected());
    expect(store.maxInFlightWhileWriting).toBe(0);
  });

  test("a rejected asynchronous commit fails the job, naming the sink", async () => {
    store.committed.clear();
    store.failCommit = true;
    try {
      await expect(executeLocally(job(null), { checkpointInterval: 20, checkpointDir: join(root, "fail") })).rejects.toThrow(/AsyncStoreSink|commit/);
    } finally {
      store.failCommit = false;
    }
  });
});
