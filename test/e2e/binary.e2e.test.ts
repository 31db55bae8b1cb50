/**
 * The compiled `bicycle` executable (scripts/build.ts) run from a temp dir outside the repo, where no
 * node_modules can be reached: the demo, a job file importing "bicycle", errors and --version.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFile, rm, writeFile } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DEMO_WINDOWS, lines } from "../helpers/demo-output.ts";
import { buildBinaryInto, ROOT } from "../helpers/build-binary.ts";
import { freePort } from "../cluster/process-cluster.ts";
import { until } from "../cluster/helpers.ts";
import { connectJobManager } from "../../src/cluster/index.ts";
import { KafkaAdmin, KafkaProducer, KafkaReader, parseKafkaConnectionOptions } from "../../src/connectors/kafka/client/index.ts";
import { kafkaBroker } from "../support/kafka-broker.ts";



/** Output of examples/sessions.ts (derived in test/cli.test.ts). */
const SESSIONS = [
  "bob: 1 clicks in [2s, 32s) /",
  "ann: 3 clicks in [0s, 55s) / /docs /docs/api",
  "late click dropped from sessions: bob /late at 1s",
  "bob: 1 clicks in [90s, 120s) /blog",
  "ann: 1 clicks in [120s, 150s) /",
  "bob: 1 clicks in [200s, 230s) /",
];


let buildDir = "";
let runDir = "";

interface Result {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function bicycle(args: string[]): Promise<Result> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "BICYCLE_LOG") env[k] = v;
  const proc = Bun.spawn(["./bicycle", ...args], { cwd: runDir, env, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { exitCode, stdout, stderr };
}

beforeAll(async () => {
  ({ runDir, buildDir } = await buildBinaryInto("bicycle-e2e-"));
  await copyFile(join(ROOT, "examples/sessions.ts"), join(runDir, "sessions.ts"));
  await copyFile(join(ROOT, "examples/wordcount.ts"), join(runDir, "wordcount.ts"));
}, 120_000);

afterAll(async () => {
  for (const dir of [buildDir, runDir]) if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("compiled bicycle executable", () => {
  test("runs from a directory that cannot reach any node_modules", () => {
    expect(runDir.startsWith(ROOT)).toBe(false);
    for (let dir = runDir; ; dir = dirname(dir)) {
      expect(existsSync(join(dir, "node_modules"))).toBe(false);
      if (dirname(dir) === dir) break;
    }
  });

  test("demo prints the 7 window lines on stdout", async () => {
    const r = await bicycle(["demo"]);
    expect(r.stdout).toBe(DEMO_WINDOWS.join("\n") + "\n");
    expect(lines(r.stderr)).toEqual(["INFO  Starting Bicycle streaming demo", "INFO  Demo complete"]);
    expect(r.exitCode).toBe(0);
  });

  test("run sessions.ts resolves `from \"bicycle\"` inside the binary and prints the sessions", async () => {
    const r = await bicycle(["run", "sessions.ts"]);
    expect(lines(r.stdout)).toEqual(SESSIONS);
    expect(lines(r.stderr)[0]).toBe("INFO  Running job 'sessions'");
    expect(r.exitCode).toBe(0);
  });

  test("run on a missing file exits 1 with one line and no stack trace", async () => {
    const r = await bicycle(["run", "nope.ts"]);
    expect(r.exitCode).toBe(1);
    expect(lines(r.stderr)).toEqual(["error: job file not found: nope.ts"]);
    expect(r.stderr).not.toContain("    at ");
  });

  test("run -p 3 runs the job on slot threads embedded in the binary", async () => {
    const r = await bicycle(["run", "-p", "3", "wordcount.ts"]);
    expect(r.exitCode).toBe(0);
    // Rolling counts of the repeated words (derived in test/cli.test.ts), from 3 print subtasks.
    expect(lines(r.stdout).every((l) => /^[123]> /.test(l))).toBe(true);
    expect(lines(r.stdout).map((l) => l.replace(/^\d+> /, "")).toSorted()).toEqual(["the: 2", "the: 3", "dog: 2", "quick: 2", "brown: 2", "dog: 3"].toSorted());
  });

  test("a cluster of binaries: jobmanager (with --web), a 2-slot worker, submit -p 2 follows the job to the end; the dashboard is embedded", async () => {
    const port = freePort();
    const webPort = freePort();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    const spawn = (args: string[]) => Bun.spawn(["./bicycle", ...args], { cwd: runDir, env, stdout: "ignore", stderr: "pipe", stdin: "ignore" });
    const jm = spawn(["jobmanager", "--bind", `127.0.0.1:${port}`, "--checkpoint-dir", join(runDir, "ck"), "--web", `127.0.0.1:${webPort}`]);
    const worker = spawn(["worker", "--jobmanager", `127.0.0.1:${port}`, "--slots", "2", "--bind", "127.0.0.1:0", "--rpc-bind", "127.0.0.1:0", "--state-dir", join(runDir, "st")]);
    const client = connectJobManager(`127.0.0.1:${port}`, { deadlineMs: 2000 });
    try {
      // Both processes are up once the JobManager counts the worker's slots.
      await until(async () => {
        try {
          return (await client.clusterOverview()).totalSlots === 2;
        } catch {
          return false;
        }
      }, "the jobmanager and the worker to start");
      const r = await bicycle(["submit", "sessions.ts", "-p", "2", "--jobmanager", `127.0.0.1:${port}`]);
      expect(r.stderr).toContain("FINISHED");
      expect(r.stdout.trim()).toMatch(/^[0-9a-f]{32}$/);
      expect(r.exitCode).toBe(0);

      // The dashboard's HTML, script and stylesheet come out of the executable (no sources on disk here).
      const web = `http://127.0.0.1:${webPort}`;
      const html = await (await fetch(`${web}/`)).text();
      expect(html).toContain("<title>Bicycle dashboard</title>");
      const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
      expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
      expect(assets.some((a) => a.endsWith(".css"))).toBe(true);
      const bodies = await Promise.all(assets.map(async (a) => ({ a, res: await fetch(`${web}${a}`) })));
      for (const { a, res } of bodies) expect(`${a} ${res.status}`).toBe(`${a} 200`);
      const texts = await Promise.all(bodies.map(({ res }) => res.text()));
      expect(texts.some((s) => s.includes("No such job"))).toBe(true); // the dashboard's own code
      expect(texts.some((s) => s.includes(".uplot"))).toBe(true); // uPlot's stylesheet, bundled
      expect(((await (await fetch(`${web}/api/jobs`)).json()) as { jobs: unknown[] }).jobs).toHaveLength(1);
    } finally {
      client.close();
      jm.kill("SIGKILL");
      worker.kill("SIGKILL");
      await Promise.all([jm.exited, worker.exited]);
    }
  });

  test("a job reading from Kafka and writing exactly once to Kafka runs inside the binary (the client's wasm is embedded)", async () => {
    const broker = await kafkaBroker();
    const connection = parseKafkaConnectionOptions({ bootstrapServers: [broker.bootstrap], clientId: "e2e-binary" });
    const admin = KafkaAdmin.create(connection);
    const suffix = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const input = `e2e-in-${suffix}`;
    const output = `e2e-out-${suffix}`;
    const producer = KafkaProducer.create(connection);
    try {
      await admin.createTopic(input, { partitions: 2 });
      await admin.createTopic(output);
      await producer.send(Array.from({ length: 500 }, (_, i) => ({ topic: input, partition: i % 2, value: JSON.stringify({ n: i }) })));
      await producer.flush();
      await writeFile(
        join(runDir, "kafka-job.ts"),
        `import type { StreamEnvironment } from "bicycle";
export default function (env: StreamEnvironment) {
  env
    .fromKafka<{ n: number }>({ connection: { bootstrapServers: ${JSON.stringify(broker.bootstrap)} }, topics: [${JSON.stringify(input)}], format: "json", startFrom: "earliest", bounded: true })
    .map((r) => ({ n: r.n * 2 }))
    .sinkToKafka({ connection: { bootstrapServers: ${JSON.stringify(broker.bootstrap)} }, topic: ${JSON.stringify(output)}, delivery: "exactly-once", transactionalIdPrefix: ${JSON.stringify(`e2e-${suffix}`)} });
}
`,
      );
      const r = await bicycle(["run", "kafka-job.ts", "-p", "2", "--checkpoint-interval", "200"]);
      expect(r.stderr).not.toContain("error");
      expect(r.exitCode).toBe(0);
      const reader = KafkaReader.create(connection);
      try {
        const [end] = await admin.listOffsets([{ topic: output, partition: 0 }], "latest");
        reader.assign([{ topic: output, partition: 0, offset: 0 }]);
        const values: number[] = [];
        const deadline = Date.now() + 20_000;
        while (values.length < 500 && Date.now() < deadline) {
          for (const p of await reader.poll({ maxWaitMs: 200 })) for (const rec of p.records) values.push((JSON.parse(new TextDecoder().decode(rec.value!)) as { n: number }).n);
        }
        expect(end!.offset).toBeGreaterThanOrEqual(500);
        expect(values.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i * 2));
      } finally {
        await reader.close();
      }
    } finally {
      await producer.close();
      await admin.close();
    }
  }, 120_000);

  test("--version prints the version in package.json", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const r = await bicycle(["--version"]);
    expect(r.stdout).toBe(`${pkg.version}\n`);
    expect(r.exitCode).toBe(0);
  });
});
