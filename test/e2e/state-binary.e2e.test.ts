/**
 * The state backends inside the compiled `bicycle` executable, run from a temp dir outside the repo: a
 * job file creates a store of each backend through the public `createStateBackend`, round-trips a
 * snapshot across backends, and shows RocksDB's native addon was loaded from the executable itself
 * (an extracted copy), not from the build machine's node_modules.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildBinaryInto, ROOT } from "../helpers/build-binary.ts";

const JOB = `
import { createStateBackend, stateBackendFromEnv, type KeyedStateSnapshot, type StreamEnvironment } from "bicycle";
import { readFileSync } from "node:fs";

const options = { operatorId: "state-e2e", keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 };

export default async function job(env: StreamEnvironment): Promise<void> {
  let previous: KeyedStateSnapshot | null = null;
  for (const kind of ["memory", "sqlite", "rocksdb"] as const) {
    const store = await createStateBackend(kind, { dir: process.env.STATE_DIR! }).createKeyedBackend(options);
    const count = store.getValueState<number>({ kind: "value", name: "count", defaultValue: 0 });
    if (previous !== null) store.restore([previous]);
    for (let i = 0; i < 1000; i++) {
      store.setCurrentKey(["user", i]);
      count.update((count.value() ?? 0) + 1);
    }
    store.setCurrentKey(["user", 7]);
    previous = store.snapshot(1);
    console.log(\`\${kind}: \${[...store.keys("count")].length} keys, user 7 = \${count.value()}\`);
    store.dispose();
    await (store as { closed?: Promise<void> | null }).closed;
  }
  const addons = readFileSync("/proc/self/maps", "utf8").split("\\n").filter((l) => l.endsWith(".node")).map((l) => l.slice(l.indexOf("/")));
  console.log(\`addons: \${JSON.stringify([...new Set(addons)])}\`);
  console.log(\`from env: \${stateBackendFromEnv().name}\`);
  env.fromElements([1]).sinkTo(() => {});
}
`;

let buildDir = "";
let runDir = "";

beforeAll(async () => {
  ({ runDir, buildDir } = await buildBinaryInto("bicycle-state-e2e-"));
  await writeFile(join(runDir, "state-job.ts"), JOB);
}, 120_000);

afterAll(async () => {
  for (const dir of [buildDir, runDir]) if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("state backends in the compiled executable", () => {
  test("memory, SQLite and RocksDB stores work and hand snapshots to each other", async () => {
    const stateDir = join(runDir, "state");
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "BICYCLE_LOG") env[k] = v;
    Object.assign(env, { STATE_DIR: stateDir, BICYCLE_STATE_BACKEND: "rocksdb", BICYCLE_STATE_DIR: stateDir });
    const proc = Bun.spawn(["./bicycle", "run", "state-job.ts"], { cwd: runDir, env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(stderr).not.toContain("error");
    expect(exitCode).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines.slice(0, 3)).toEqual(["memory: 1000 keys, user 7 = 1", "sqlite: 1000 keys, user 7 = 2", "rocksdb: 1000 keys, user 7 = 3"]);
    expect(lines[4]).toBe("from env: rocksdb");

    // The addon was mapped from a copy the executable extracted, never from this repo's node_modules.
    const addons = JSON.parse(lines[3]!.slice("addons: ".length)) as string[];
    expect(addons.length).toBe(1);
    expect(addons[0]!.startsWith(ROOT)).toBe(false);
    expect(addons[0]).not.toContain("node_modules");

    // Every store removed its files on dispose.
    expect(await readdir(stateDir)).toEqual([]);
  }, 60_000);
});
