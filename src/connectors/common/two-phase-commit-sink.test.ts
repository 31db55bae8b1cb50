/**
 * TwoPhaseCommitSink protocol, driven by hand with an in-memory "external system": hook order,
 * commit on notify, recovery (commit pending, abort open), idempotent recommit, end of input,
 * cancellation and restore at another parallelism.
 */
import { describe, expect, test } from "bun:test";
import { InternalError, batchWithTimestamp, type OperatorContext, type Output, type TaskLocation } from "../../core/index.ts";
import { TwoPhaseCommitSink, type TwoPhaseCommitState } from "./two-phase-commit-sink.ts";

/** A synchronous sink's hooks return plain values, never a Promise (checked here). */
function sync<T>(value: T | Promise<T>): T {
  if (value instanceof Promise) throw new Error("expected a synchronous result");
  return value;
}


interface Txn {
  id: string;
  values: number[];
}

/** The external system: what is prepared (durable, invisible) and committed (visible), plus a call log. */
class Store {
  readonly log: string[] = [];
  readonly prepared = new Map<string, number[]>();
  readonly committed = new Map<string, number[]>();
  visible(): number[] {
    return [...this.committed.values()].flat().sort((a, b) => a - b);
  }
}

class MemorySink extends TwoPhaseCommitSink<number, Txn> {
  private n = 0;
  private prefix = "";
  constructor(private readonly store: Store) {
    super();
  }
  protected override initializeSink(ctx: { location: TaskLocation; isRestored: boolean }): void {
    this.prefix = `s${ctx.location.subtaskIndex}${ctx.isRestored ? "r" : ""}`;
  }
  protected beginTransaction(after: number): Txn {
    const txn = { id: `${this.prefix}-t${this.n++}`, values: [] };
    this.store.log.push(`begin ${txn.id} after ${after}`);
    return txn;
  }
  protected write(txn: Txn, values: readonly number[]): void {
    txn.values.push(...values);
    this.store.log.push(`write ${txn.id} ${values.join(",")}`);
  }
  protected preCommit(txn: Txn): void {
    this.store.prepared.set(txn.id, [...txn.values]);
    this.store.log.push(`preCommit ${txn.id}`);
  }
  protected commit(txn: Txn): void {
    // Idempotent: committing moves prepared -> committed; an already committed txn stays as it is.
    const data = this.store.prepared.get(txn.id);
    if (data !== undefined) {
      this.store.committed.set(txn.id, data);
      this.store.prepared.delete(txn.id);
    }
    this.store.log.push(`commit ${txn.id}`);
  }
  protected abort(txn: Txn): void {
    this.store.prepared.delete(txn.id);
    this.store.log.push(`abort ${txn.id}`);
  }
  protected override recoverAndCommit(txn: Txn): void {
    this.store.log.push(`recoverAndCommit ${txn.id}`);
    this.commit(txn);
  }
}

const location = (subtaskIndex: number, parallelism = 1): TaskLocation => ({ operatorId: "sink", operatorName: "Sink", subtaskIndex, parallelism });
const context = (loc: TaskLocation) => ({ location: loc }) as unknown as OperatorContext;
const out = {} as Output<never>;

function openSink(store: Store, loc = location(0), states?: readonly unknown[]): MemorySink {
  const sink = new MemorySink(store);
  if (states !== undefined) sink.restoreState(states, loc);
  sink.open(context(loc));
  return sink;
}
const write = (sink: MemorySink, ...values: number[]) => sink.processBatch(batchWithTimestamp(values), out);

describe("TwoPhaseCommitSink protocol", () => {
  test("snapshot pre-commits and begins the next txn; notify commits up to its id, in order", () => {
    const store = new Store();
    const sink = openSink(store);
    write(sink, 1, 2);
    sync(sink.snapshotState(1));
    write(sink, 3);
    sync(sink.snapshotState(2));
    write(sink, 4);
    sync(sink.snapshotState(3));
    expect(store.visible()).toEqual([]);
    sink.notifyCheckpointComplete(2); // 1 was never notified: subsumed by 2
    expect(store.visible()).toEqual([1, 2, 3]);
    sink.notifyCheckpointComplete(3);
    expect(store.log).toEqual([
      "begin s0-t0 after 0",
      "write s0-t0 1,2",
      "preCommit s0-t0",
      "begin s0-t1 after 1",
      "write s0-t1 3",
      "preCommit s0-t1",
      "begin s0-t2 after 2",
      "write s0-t2 4",
      "preCommit s0-t2",
      "begin s0-t3 after 3",
      "commit s0-t0",
      "commit s0-t1",
      "commit s0-t2",
    ]);
    sink.notifyCheckpointComplete(3); // again: nothing left
    expect(store.log.at(-1)).toBe("commit s0-t2");
  });

  test("the state lists pending txns by checkpoint and the txn begun after the snapshot, detached", () => {
    const sink = openSink(new Store(), location(1, 2));
    write(sink, 1);
    const state = sync(sink.snapshotState(7));
    write(sink, 2); // goes into the open txn, not into the stored copy
    expect(state).toEqual({ version: 1, subtask: 1, checkpointId: 7, pending: [{ checkpointId: 7, txn: { id: "s1-t0", values: [1] } }], open: { id: "s1-t1", values: [] } });
  });

  test("restore commits the pending txns and aborts the one that was open", () => {
    const store = new Store();
    const first = openSink(store);
    write(first, 1);
    first.snapshotState(1);
    write(first, 2);
    first.snapshotState(2);
    first.notifyCheckpointComplete(1);
    write(first, 3);
    const state = first.snapshotState(3); // pending: 2 and 3; open: t3
    write(first, 4); // after the checkpoint: replayed by the restored job
    // Crash before notify(3): the task is cancelled.
    first.close();
    expect(store.visible()).toEqual([1]);

    store.log.length = 0;
    const second = openSink(store, location(0), [state]);
    expect(store.log).toEqual(["recoverAndCommit s0-t1", "commit s0-t1", "recoverAndCommit s0-t2", "commit s0-t2", "abort s0-t3", "begin s0r-t0 after 3"]);
    expect(store.visible()).toEqual([1, 2, 3]);
    write(second, 4);
    second.endInput(out);
    second.close();
    expect(store.visible()).toEqual([1, 2, 3, 4]);
    expect(store.prepared.size).toBe(0);
  });

  test("recommitting an already committed txn is a no-op (restore twice from the same checkpoint)", () => {
    const store = new Store();
    const sink = openSink(store);
    write(sink, 1, 2);
    const state = sync(sink.snapshotState(1));
    sink.notifyCheckpointComplete(1);
    sink.close();
    expect(store.visible()).toEqual([1, 2]);
    for (let i = 0; i < 2; i++) openSink(store, location(0), [state]).close(); // restore, fail before any checkpoint
    expect(store.visible()).toEqual([1, 2]);
    expect(store.log.filter((l) => l.startsWith("recoverAndCommit"))).toEqual(["recoverAndCommit s0-t0", "recoverAndCommit s0-t0"]);
  });

  test("endInput commits the pending txns and the open one", () => {
    const store = new Store();
    const sink = openSink(store);
    write(sink, 1);
    sync(sink.snapshotState(1));
    write(sink, 2);
    sink.endInput(out);
    expect(store.visible()).toEqual([1, 2]);
    sink.notifyCheckpointComplete(1); // late: nothing to do
    sink.close();
    expect(store.log.filter((l) => l.startsWith("abort"))).toEqual([]);
    expect(store.log.slice(-3)).toEqual(["commit s0-t0", "preCommit s0-t1", "commit s0-t1"]);
  });

  test("close without endInput (cancel, failure) aborts only the open txn; pending ones survive for recovery", () => {
    const store = new Store();
    const sink = openSink(store);
    write(sink, 1);
    const state = sync(sink.snapshotState(1));
    write(sink, 2);
    sink.close();
    expect(store.log.slice(-1)).toEqual(["abort s0-t1"]);
    expect([...store.prepared.keys()]).toEqual(["s0-t0"]);
    expect(store.visible()).toEqual([]);
    openSink(store, location(0), [state]);
    expect(store.visible()).toEqual([1]);
  });

  test("a failing commit names the checkpoint and keeps the txn pending", () => {
    const store = new Store();
    const sink = openSink(store);
    write(sink, 1);
    sync(sink.snapshotState(4));
    const original = store.committed.set.bind(store.committed);
    store.committed.set = () => {
      throw new Error("disk full");
    };
    expect(() => sink.notifyCheckpointComplete(4)).toThrow(/commit of the transaction of checkpoint 4 failed/);
    store.committed.set = original;
    sink.notifyCheckpointComplete(4);
    expect(store.visible()).toEqual([1]);
  });

  test("calls outside the lifecycle are internal errors", () => {
    const sink = new MemorySink(new Store());
    expect(() => write(sink, 1)).toThrow(InternalError);
    sink.open(context(location(0)));
    sink.endInput(out);
    expect(() => write(sink, 1)).toThrow(/processBatch while the sink is finished/);
    expect(() => sink.restoreState([], location(0))).toThrow(InternalError);
  });

  test("a state that is not a 2PC sink state is rejected", () => {
    expect(() => openSink(new Store(), location(0), [{ offsets: [] }])).toThrow(/not a two-phase-commit sink state/);
  });
});

describe("TwoPhaseCommitSink restore at another parallelism", () => {
  /** Three subtasks, each with a committed, a pending and an open txn at checkpoint 2. */
  function previousRun(store: Store): TwoPhaseCommitState[] {
    return [0, 1, 2].map((s): TwoPhaseCommitState => {
      const sink = openSink(store, location(s, 3));
      write(sink, s * 10 + 1);
      sync(sink.snapshotState(1));
      sink.notifyCheckpointComplete(1);
      write(sink, s * 10 + 2);
      const state = sync(sink.snapshotState(2));
      write(sink, s * 10 + 3);
      sink.close();
      return state;
    });
  }

  for (const parallelism of [1, 2, 3, 5]) {
    test(`3 -> ${parallelism}: every pending txn is committed exactly once, every open one aborted once`, () => {
      const store = new Store();
      const states = previousRun(store);
      expect(store.visible()).toEqual([1, 11, 21]);
      store.log.length = 0;
      for (let s = 0; s < parallelism; s++) openSink(store, location(s, parallelism), states);
      const recommits = store.log.filter((l) => l.startsWith("recoverAndCommit")).sort();
      expect(recommits).toEqual(["recoverAndCommit s0-t1", "recoverAndCommit s1-t1", "recoverAndCommit s2-t1"]);
      expect(store.log.filter((l) => l.startsWith("abort")).sort()).toEqual(["abort s0-t2", "abort s1-t2", "abort s2-t2"]);
      expect(store.visible()).toEqual([1, 2, 11, 12, 21, 22]);
      // Every new subtask starts after the restored checkpoint.
      expect(store.log.filter((l) => l.startsWith("begin")).every((l) => l.endsWith("after 2"))).toBe(true);
    });
  }
});
