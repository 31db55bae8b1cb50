/**
 * `bicycle submit` without `--detached` follows the job against a real cluster of processes (a
 * JobManager and one 2-slot worker): stdout is only the job id, stderr one live line per second (state,
 * records in/out, records/s) ending with FINISHED and the totals the JobManager reports, and the exit code
 * is 0. A job that fails while followed exits 1 with one error line naming the failure, no stack trace.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asJobRef } from "../src/cluster/index.ts";
import { jobTotals } from "../src/cli/job-totals.ts";
import { runCli } from "./helpers/cli.ts";
import { ProcessCluster } from "./cluster/process-cluster.ts";

const dir = mkdtempSync(join(tmpdir(), "bicycle-cli-follow-"));
const cluster = new ProcessCluster({ dir });

/** One follow line of `followJob` in src/cli/commands/submit.ts. */
const FOLLOW_LINE = /^(CREATED|SCHEDULED|DEPLOYING|RUNNING|RESTARTING|FINISHED|FAILED|CANCELLING|CANCELLED)\s+records in ([\d,]+)\s+out ([\d,]+)\s+([\d,]+) records\/s(\s+restarts \d+)?$/;
const count = (s: string): number => Number(s.replaceAll(",", ""));

const submit = (file: string) => runCli(["submit", file, "-p", "1", "--jobmanager", cluster.jobManagerAddress], { env: { BICYCLE_LOG: "warn" } });

beforeAll(async () => {
  await cluster.startJobManager();
  await cluster.startWorker("w1", 2);
}, 90_000);

afterAll(async () => {
  await cluster.stop();
  if (!process.env.KEEP_TEST_DIRS) rmSync(dir, { recursive: true, force: true });
});

describe("bicycle submit follows the job", () => {
  test("a bounded job: the job id on stdout, live lines on stderr ending FINISHED with the job's totals, exit 0", async () => {
    const N = 15_000;
    const file = join(dir, "bounded.ts");
    // 15,000 records at 5,000/s: about 3 seconds, so the follower prints a few lines while it runs.
    writeFileSync(
      file,
      `import type { StreamEnvironment } from "bicycle";
export default function (env: StreamEnvironment) {
  env
    .fromGenerator(${N}, (i) => ({ i }), { ratePerSecond: 5000, batchSize: 50 })
    .map((e) => ({ i: e.i * 2 }))
    .discard();
}
`,
    );
    const r = await submit(file);
    if (r.exitCode !== 0) throw new Error(`submit exited ${r.exitCode}: ${r.stderr}`);
    expect(r.stdout).toMatch(/^[0-9a-f]{32}\n$/);
    const jobId = r.stdout.trim();

    const lines = r.stderr.trimEnd().split("\n");
    for (const line of lines) expect(line).toMatch(FOLLOW_LINE);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const parsed = lines.map((l) => {
      const m = FOLLOW_LINE.exec(l)!;
      return { state: m[1]!, recordsIn: count(m[2]!), recordsOut: count(m[3]!), rate: count(m[4]!) };
    });
    // Records in never go down, and some line while the job ran shows a rate.
    for (let i = 1; i < parsed.length; i++) expect(parsed[i]!.recordsIn).toBeGreaterThanOrEqual(parsed[i - 1]!.recordsIn);
    expect(parsed.slice(0, -1).every((p) => p.state !== "FINISHED")).toBe(true);
    expect(parsed.slice(0, -1).some((p) => p.state === "RUNNING" && p.rate > 0)).toBe(true);

    const last = parsed.at(-1)!;
    expect(last.state).toBe("FINISHED");
    const job = await cluster.client.getJob(asJobRef(jobId));
    expect(job.summary.status).toBe("finished");
    const totals = jobTotals(job);
    expect(totals).toEqual({ recordsIn: N, recordsOut: N });
    expect(last.recordsIn).toBe(totals.recordsIn);
    expect(last.recordsOut).toBe(totals.recordsOut);
  }, 60_000);

  test("a failing job: exit 1 with one error line naming the failure, no stack trace", async () => {
    const file = join(dir, "failing.ts");
    writeFileSync(
      file,
      `import type { StreamEnvironment } from "bicycle";
export default function (env: StreamEnvironment) {
  env
    .fromGenerator(1_000_000, (i) => ({ i }), { ratePerSecond: 2000, batchSize: 50 })
    .map((e) => {
      if (e.i === 1000) throw new Error("record 1000 is poison");
      return e;
    })
    .discard();
}
`,
    );
    const r = await submit(file);
    expect(r.exitCode).toBe(1);
    const jobId = r.stdout.trim();
    expect(r.stdout).toMatch(/^[0-9a-f]{32}\n$/);
    const lines = r.stderr.trimEnd().split("\n");
    const errors = lines.filter((l) => !FOLLOW_LINE.test(l));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toStartWith(`error: job failing (${jobId}) failed`);
    expect(errors[0]).toContain("record 1000 is poison");
    expect(lines.at(-1)).toBe(errors[0]);
    expect(lines.at(-2)).toMatch(/^FAILED\s/);
    expect(r.stderr).not.toContain("    at ");
    expect((await cluster.client.getJob(asJobRef(jobId))).summary.status).toBe("failed");
  }, 60_000);
});
