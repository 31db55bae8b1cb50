/**
 * The Pulsar placeholder at the cluster's door: a plan using `source:pulsar` is rejected by the
 * JobManager's submit with INVALID_ARGUMENT (checkConnectorAvailability) before any job is stored, and
 * `bicycle run` of such a job module exits 1 with the "not available in this build" message.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { InvalidArgumentError, JobManager } from "../../src/cluster/index.ts";
import { PULSAR_UNAVAILABLE_MESSAGE } from "../../src/connectors/index.ts";
import { StreamEnvironment } from "../../src/index.ts";

const ROOT = resolve(import.meta.dir, "../..");
const root = mkdtempSync(join(tmpdir(), "bicycle-pulsar-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SOURCE = { serviceUrl: "pulsar://127.0.0.1:6650", topics: ["orders"], subscription: "bicycle" };

test("the JobManager rejects a Pulsar plan at submit with INVALID_ARGUMENT", async () => {
  const jm = JobManager.start({ checkpointDir: join(root, "jm"), verbose: false });
  try {
    const env = StreamEnvironment.create();
    env.fromPulsar({ ...SOURCE, name: "Orders" }).discard();
    const planJson = JSON.stringify(env.getJobDefinition("pulsar").plan);
    const error = await jm.submitJob({ name: "pulsar", parallelism: 1, planJson, optionsJson: "{}" }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(`source:pulsar 'Orders': ${PULSAR_UNAVAILABLE_MESSAGE}`);
    expect((await jm.listJobs()).jobs).toEqual([]);
  } finally {
    await jm.stop();
  }
});

test("bicycle run of a job reading from Pulsar exits 1 with the message", async () => {
  const file = join(root, "pulsar-job.ts");
  writeFileSync(
    file,
    `import type { StreamEnvironment } from "bicycle";
export default function (env: StreamEnvironment) {
  env.fromPulsar(${JSON.stringify(SOURCE)}).discard();
}
`,
  );
  const proc = Bun.spawn([process.execPath, join(ROOT, "src/cli/main.ts"), "run", file], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  expect(err).toContain(PULSAR_UNAVAILABLE_MESSAGE);
  expect(code).toBe(1);
}, 30_000);
