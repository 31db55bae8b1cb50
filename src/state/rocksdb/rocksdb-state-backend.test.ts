/** The RocksDB backend against the conformance suite (default and tiny cache), plus lazy loading and files. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { keyedStateBackendSuite } from "../../../test/conformance/keyed-state-backend.ts";
import type { DiskKeyedStateBackend } from "../disk/disk-keyed-backend.ts";
import { RocksDbStateBackend } from "./rocksdb-state-backend.ts";

const ROOT = resolve(import.meta.dir, "../../..");

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bicycle-rocksdb-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

keyedStateBackendSuite("rocksdb", () => new RocksDbStateBackend({ dir: join(dir, "suite") }));
keyedStateBackendSuite("rocksdb (16-entry cache)", () => new RocksDbStateBackend({ dir: join(dir, "tiny"), cacheEntries: 16, writeBatchSize: 4 }));

const options = { operatorId: "agg", keyGroupRange: { start: 64, end: 127 }, maxParallelism: 128 };

describe("rocksdb backend", () => {
  test("one RocksDB directory per keyed store, deleted on dispose", async () => {
    const stateDir = join(dir, "files");
    const s = (await new RocksDbStateBackend({ dir: stateDir }).createKeyedBackend(options)) as DiskKeyedStateBackend;
    const [store] = readdirSync(stateDir);
    expect(store).toMatch(/^agg-kg64-127-[0-9a-f]{8}\.rocksdb$/);
    expect(existsSync(join(stateDir, store!, "CURRENT"))).toBe(true);
    s.setCurrentKey("k");
    s.getValueState<number>({ kind: "value", name: "v" }).update(1);
    s.flush();
    s.dispose();
    await s.closed;
    expect(readdirSync(stateDir)).toEqual([]);
  });

  test("the native addon loads only when a RocksDB store is created", async () => {
    const script = `
      import { createStateBackend } from "./src/state/index.ts";
      const loaded = () => Object.keys(require.cache).some((k) => k.includes("@nxtedition/rocksdb"));
      const opts = ${JSON.stringify(options)};
      for (const kind of ["memory", "sqlite"]) (await createStateBackend(kind, { dir: ${JSON.stringify(join(dir, "lazy"))} }).createKeyedBackend(opts)).dispose();
      const rocks = createStateBackend("rocksdb", { dir: ${JSON.stringify(join(dir, "lazy"))} });
      const before = loaded();
      const s = await rocks.createKeyedBackend(opts);
      console.log(JSON.stringify({ before, after: loaded() }));
      s.dispose();
      await s.closed;
    `;
    const proc = Bun.spawn([process.execPath, "-e", script], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ before: false, after: true });
  });
});
