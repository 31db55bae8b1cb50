/**
 * Cluster commands of the CLI: configuration from file, environment and flags (flags win, env fills
 * what the file leaves out), and the one-line errors and exit codes of bad settings and an
 * unreachable JobManager.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { runCli } from "./helpers/cli.ts";
import { jobManagerConfigSchema, resolveConfig, WORKER_ENV, workerConfigSchema, JOB_MANAGER_ENV } from "../src/cli/cluster-config.ts";
import { ConfigError } from "../src/core/index.ts";

const ROOT = resolve(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "bicycle-cli-cluster-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env });

describe("cluster configuration", () => {
  test("the shipped config files are valid", () => {
    const jm = resolveConfig(jobManagerConfigSchema, "jobmanager", join(ROOT, "config/jobmanager.yaml"), JOB_MANAGER_ENV, {}, {});
    expect(jm.bind).toBe("0.0.0.0:9000");
    const worker = resolveConfig(workerConfigSchema, "worker", join(ROOT, "config/worker.yaml"), WORKER_ENV, {}, {});
    expect(worker.slots).toBe(4);
    expect(worker.jobmanager).toBe("127.0.0.1:9000");
  });

  test("file < environment (for keys the file lacks) < flags", () => {
    const file = join(dir, "worker.yaml");
    writeFileSync(file, "slots: 3\nstateDir: /from/file\n");
    const env = { BICYCLE_WORKER_SLOTS: "8", BICYCLE_JOBMANAGER: "jm.example:9000", BICYCLE_WORKER_MEMORY_MB: "2048", BICYCLE_STATE_DIR: "/from/env" };
    const a = resolveConfig(workerConfigSchema, "worker", file, WORKER_ENV, {}, env);
    expect([a.slots, a.jobmanager, a.memoryMb, a.stateDir]).toEqual([3, "jm.example:9000", 2048, "/from/file"]);
    const b = resolveConfig(workerConfigSchema, "worker", file, WORKER_ENV, { slots: 5, jobmanager: "other:1" }, env);
    expect([b.slots, b.jobmanager]).toEqual([5, "other:1"]);
    const c = resolveConfig(jobManagerConfigSchema, "jobmanager", undefined, JOB_MANAGER_ENV, {}, { BICYCLE_CHECKPOINT_DIR: "/ck" });
    expect(c.checkpointDir).toBe("/ck");
  });

  test("bad values and unknown keys name the key and the file", () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "slots: many\nsolts: 2\n");
    expect(() => resolveConfig(workerConfigSchema, "worker", file, WORKER_ENV, {}, {})).toThrow(ConfigError);
    expect(() => resolveConfig(workerConfigSchema, "worker", file, WORKER_ENV, {}, {})).toThrow(/'slots'.*'solts'|'solts'.*'slots'/s);
    expect(() => resolveConfig(workerConfigSchema, "worker", undefined, WORKER_ENV, { jobmanager: "no-port" }, {})).toThrow(/'jobmanager': expected HOST:PORT/);
  });
});

describe("cluster commands: errors and exit codes", () => {
  test("a missing config file exits 1 with one line", async () => {
    const r = await cli(["jobmanager", "--config", join(dir, "nope.yaml")]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([`error: config file not found: ${join(dir, "nope.yaml")}`]);
  });

  test("an invalid slot count from the environment exits 1 naming the key", async () => {
    const r = await cli(["worker"], { BICYCLE_WORKER_SLOTS: "0" });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("'slots'");
    expect(r.stderr).not.toContain("    at ");
  });

  test("submit to an unreachable JobManager exits 2 naming the address", async () => {
    const r = await cli(["submit", "examples/wordcount.ts", "--jobmanager", "127.0.0.1:1", "--detached"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("127.0.0.1:1");
    expect(r.stderr).not.toContain("    at ");
  });
});
