/**
 * @module cluster/jobmanager/slot-pool
 * The JobManager's own view of slot allocation. Workers report free slots in heartbeats, but those lag:
 * the pool is the source of truth for scheduling. A slot is taken when a JobMaster deploys into it and
 * given back when the job's attempt ends; a worker that is lost or registers again (it cancelled all its
 * tasks) starts with every slot free.
 */
import type { FreeSlots, SlotAssignment } from "./scheduler.ts";

/** A promise-based "something changed" signal, for waiters with a timeout. */
export class ChangeSignal {
  private waiters: (() => void)[] = [];

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves at the next notify, or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const waiters = this.waiters;
      function done(): void {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }
}

export class SlotPool {
  /** workerId -> slot count. */
  private readonly workers = new Map<string, number>();
  /** workerId -> slot index -> job id. */
  private readonly taken = new Map<string, Map<number, string>>();
  readonly changed = new ChangeSignal();

  /** A worker (re)joined with `slots` slots, all free. */
  addWorker(workerId: string, slots: number): void {
    this.workers.set(workerId, slots);
    this.taken.set(workerId, new Map());
    this.changed.notify();
  }

  removeWorker(workerId: string): void {
    this.workers.delete(workerId);
    this.taken.delete(workerId);
    this.changed.notify();
  }

  free(): FreeSlots[] {
    const out: FreeSlots[] = [];
    for (const [workerId, count] of this.workers) {
      const taken = this.taken.get(workerId)!;
      const slots: number[] = [];
      for (let i = 0; i < count; i++) if (!taken.has(i)) slots.push(i);
      out.push({ workerId, slots });
    }
    return out;
  }

  allocate(jobId: string, slots: readonly SlotAssignment[]): void {
    for (const s of slots) this.taken.get(s.workerId)?.set(s.slot, jobId);
  }

  release(jobId: string): void {
    for (const taken of this.taken.values()) for (const [slot, owner] of taken) if (owner === jobId) taken.delete(slot);
    this.changed.notify();
  }

  get totalSlots(): number {
    let n = 0;
    for (const count of this.workers.values()) n += count;
    return n;
  }

  get freeSlotCount(): number {
    return this.free().reduce((n, f) => n + f.slots.length, 0);
  }

  /** Slots of `workerId` in use. */
  usedOn(workerId: string): number {
    return this.taken.get(workerId)?.size ?? 0;
  }
}
