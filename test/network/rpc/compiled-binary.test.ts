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
const bundles = new Map();
const jm = await serveJobManager({
  registerWorker: async (r) => ({ accepted: r.slots > 0, heartbeatIntervalMs: 250 }),
  heartbeat: async () => {}, updateTaskState: async () => {}, acknowledgeCheckpoint: async () => {},
  declineCheckpoint: async () => {},
  fetchBundle: async (r) => ({ bytes: bundles.get(r.hash) }),
  submitJob: async (r) => { bundles.set("ab".repeat(32), r.bundle); return { jobId: "job-1" }; },
  listJobs: async () => ({ jobs: [] }),
  getJob: async () => { throw new Error("unused"); }, cancelJob: async () => {},
  triggerSavepoint: async (r) => ({ checkpointId: 1, path: r.dir }),
  clusterOverview: async () => ({ workers: [], totalSlots: 0, freeSlots: 0, runningJobs: 0, uptimeMs: 0 }),
});
const seen = [];
const worker = await serveWorker({
  deployTasks: async (r) => void seen.push(r.descriptorJson), cancelTasks: async () => {},
  triggerCheckpoint: async (r) => void seen.push(r.checkpointId), notifyCheckpointComplete: async () => {},
  notifyCheckpointAborted: async (r) => void seen.push(-r.checkpointId),
});
const jmClient = connectJobManager(jm.address, { deadlineMs: 5000 });
const workerClient = connectWorker(worker.address, { deadlineMs: 5000 });
const registered = await jmClient.registerWorker({ workerId: "w1", host: "127.0.0.1", dataPort: 7000, slots: 2, cpuCores: 1, memoryMb: 512, rpcPort: 7001, hostname: "h" });
await jmClient.submitJob({ name: "j", parallelism: 1, planJson: "{}", bundle: new Uint8Array([0, 7, 255]), optionsJson: "{}" });
const bundle = [...(await jmClient.fetchBundle({ hash: "ab".repeat(32) })).bytes];
await workerClient.deployTasks({ jobId: "job-1", attempt: 1, descriptorJson: "{}" });
await workerClient.triggerCheckpoint({ jobId: "job-1", checkpointId: 9, timestampMs: 1, isSavepoint: false, thenStop: false, attempt: 1, targetDir: "/tmp/chk" });
await workerClient.notifyCheckpointAborted({ jobId: "job-1", checkpointId: 9, attempt: 1 });
let invalid = "";
try { await jmClient.submitJob({ name: "", parallelism: 1, planJson: "{}", optionsJson: "{}" }); } catch (e) { invalid = e.code; }
console.log(JSON.stringify({ registered, bundle, seen, invalid }));
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
  expect(JSON.parse(out.trim())).toEqual({
    registered: { accepted: true, heartbeatIntervalMs: 250 },
    bundle: [0, 7, 255],
    seen: ["{}", 9, -9],
    invalid: "INVALID_ARGUMENT",
  });
}, 60_000);
