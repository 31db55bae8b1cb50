/** The SQLite backend against the conformance suite (default and tiny cache), plus file-level checks. */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keyedStateBackendSuite } from "../../../test/conformance/keyed-state-backend.ts";
import type { DiskKeyedStateBackend } from "../disk/disk-keyed-backend.ts";
import { StateError } from "../errors.ts";
import { SqliteStateBackend } from "./sqlite-state-backend.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bicycle-sqlite-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

keyedStateBackendSuite("sqlite", () => new SqliteStateBackend({ dir: join(dir, "suite") }));
// A 16-entry cache flushing every 4 dirty keys: every path through eviction and write-back.
keyedStateBackendSuite("sqlite (16-entry cache)", () => new SqliteStateBackend({ dir: join(dir, "tiny"), cacheEntries: 16, writeBatchSize: 4 }));

const options = (operatorId: string) => ({ operatorId, keyGroupRange: { start: 0, end: 63 }, maxParallelism: 128 });

describe("sqlite backend files", () => {
  test("one WAL-mode database file per keyed store, and the rows really land in it", async () => {
    const stateDir = join(dir, "files");
    const backend = new SqliteStateBackend({ dir: stateDir });
    const a = (await backend.createKeyedBackend(options("count/1"))) as DiskKeyedStateBackend;
    const b = await backend.createKeyedBackend(options("count/1"));
    const files = readdirSync(stateDir).filter((f) => f.endsWith(".sqlite"));
    expect(files.length).toBe(2);
    expect(files.every((f) => f.startsWith("count_1-kg0-63-"))).toBe(true);

    const v = a.getValueState<number>({ kind: "value", name: "v" });
    for (let i = 0; i < 100; i++) {
      a.setCurrentKey(`k${i}`);
      v.update(i);
    }
    a.flush();
    const file = join(stateDir, files.find((f) => a.where.includes(f))!);
    const reader = new Database(file, { readonly: true });
    try {
      expect(reader.query("PRAGMA journal_mode").values()).toEqual([["wal"]]);
      expect(reader.query("SELECT count(*) FROM kv").values()).toEqual([[100]]);
    } finally {
      reader.close();
    }

    a.dispose();
    await a.closed;
    b.dispose();
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  test("writes stay in the cache until a batch is full", async () => {
    const backend = new SqliteStateBackend({ dir: join(dir, "batch"), writeBatchSize: 10 });
    const s = (await backend.createKeyedBackend(options("op"))) as DiskKeyedStateBackend;
    const file = s.where.slice(s.where.indexOf("sqlite ") + 7, -1);
    const rows = (): unknown => {
      const reader = new Database(file, { readonly: true });
      try {
        return reader.query("SELECT count(*) FROM kv").values()[0]![0];
      } finally {
        reader.close();
      }
    };
    const v = s.getValueState<number>({ kind: "value", name: "v" });
    for (let i = 0; i < 9; i++) {
      s.setCurrentKey(i);
      v.update(i);
    }
    expect(rows()).toBe(0);
    s.setCurrentKey(9);
    v.update(9);
    expect(rows()).toBe(10);
    s.dispose();
  });

  test("a state directory that cannot be created fails with a StateError naming operator and path", async () => {
    const blocker = join(dir, "not-a-dir");
    writeFileSync(blocker, "x");
    const backend = new SqliteStateBackend({ dir: join(blocker, "state") });
    const err = await backend.createKeyedBackend(options("op-9")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as Error).message).toContain("op-9");
    expect((err as Error).message).toContain(blocker);
  });
});
