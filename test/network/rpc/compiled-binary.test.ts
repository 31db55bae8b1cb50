/**
 * Proves the control plane runs from a `bun build --compile` binary with no .proto or node_modules
 * at run time: builds a tiny entry serving and calling both services, runs it from a bare temp folder.
 */
import { afterAll, expect, test } from "bun:test";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const RPC_INDEX = resolve(import.meta.dir, "../../../src/network/rpc/index.ts");
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const ENTRY = `// compiled-binary smoke entry
import { connectJobManager, connectWorker, serveJobManager, serveWorker } from ${JSON.stringify(RPC_INDEX)};
const jm = await serveJobManager({
  registerWorker: async (r) => ({ accepted: r.slots > 0, heartbeatIntervalMs: 250 }),
  heartbeat: async () => {}, updateTaskState: async () => {}, acknowledgeCheckpoint: async () => {},
  declineCheckpoint: async () => {}, submitJob: async () => ({ jobId: "job-1" }), listJobs: async () => ({ jobs: [] }),
  getJob: async () => { throw new Error("unused"); }, cancelJob: async () => {},
  triggerSavepoint: async (r) => ({ checkpointId: 1, path: r.dir }),
  clusterOverview: async () => ({ workers: [], totalSlots: 0, freeSlots: 0, runningJobs: 0 }),
});
const seen = [];
const worker = await serveWorker({
  deployTasks: async (r) => void seen.push(r.tasks.length), cancelTasks: async () => {},
  triggerCheckpoint: async (r) => void seen.push(r.checkpointId), notifyCheckpointComplete: async () => {},
});
const jmClient = connectJobManager(jm.address, { deadlineMs: 5000 });
const workerClient = connectWorker(worker.address, { deadlineMs: 5000 });
const registered = await jmClient.registerWorker({ workerId: "w1", host: "127.0.0.1", dataPort: 7000, slots: 2, cpuCores: 1, memoryMb: 512 });
await workerClient.deployTasks({ jobId: "job-1", tasks: [{ taskId: "t", vertexId: "v", subtaskIndex: 0, parallelism: 1, configJson: "{}" }] });
await workerClient.triggerCheckpoint({ jobId: "job-1", checkpointId: 9, timestampMs: 1, isSavepoint: false, thenStop: false });
let invalid = "";
try { await jmClient.submitJob({ name: "", parallelism: 1, program: { kind: "plan", json: "{}" } }); } catch (e) { invalid = e.code; }
console.log(JSON.stringify({ registered, seen, invalid }));
jmClient.close(); workerClient.close();
await Promise.all([jm.close(), worker.close()]);
`;

test("a compiled binary serves and calls the control plane from a bare folder", async () => {
  const buildDir = await mkdtemp(join(tmpdir(), "bicycle-rpc-build-"));
  const runDir = await mkdtemp(join(tmpdir(), "bicycle-rpc-run-"));
  dirs.push(buildDir, runDir);
  const entry = join(buildDir, "entry.ts");
  await Bun.write(entry, ENTRY);
  const outfile = join(buildDir, "rpc-smoke");
  const result = await Bun.build({ entrypoints: [entry], compile: { outfile } });
  expect(result.success).toBe(true);
  await copyFile(outfile, join(runDir, "rpc-smoke"));
  const proc = Bun.spawn([join(runDir, "rpc-smoke")], { cwd: runDir, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, err }).toEqual({ code: 0, err: "" });
  expect(JSON.parse(out.trim())).toEqual({ registered: { accepted: true, heartbeatIntervalMs: 250 }, seen: [1, 9], invalid: "INVALID_ARGUMENT" });
}, 60_000);
