/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core against a cluster of real
 * processes (JobManager, one worker, and `bicycle webui` in front of them). The test submits the SQL
 * page's example job through the SQL box, follows it to its page, checks the DAG against the REST plan
 * and the records count rising, takes a savepoint and cancels the job with the buttons, and checks each
 * step against the REST API. Screenshots go to .test-output/dashboard/.
 *
 * Needs /usr/bin/chromium (`.ci/run` installs Debian's chromium package); without it the suite fails
 * with that message rather than skipping.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { freePort, ProcessCluster } from "../cluster/process-cluster.ts";
import { until } from "../cluster/helpers.ts";

const ROOT = resolve(import.meta.dir, "../..");
const CHROMIUM = process.env.BICYCLE_CHROMIUM ?? "/usr/bin/chromium";
const SHOTS = join(ROOT, ".test-output", "dashboard");

let dir: string;
let cluster: ProcessCluster;
let webui: Subprocess;
let base: string;
let browser: Browser;
let page: Page;

const getJson = async <T>(path: string): Promise<T> => (await fetch(`${base}${path}`)).json() as Promise<T>;
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
/** "1,234" or "1.20 M" -> a number. */
const parseCount = (text: string): number => {
  const t = text.trim();
  if (t.endsWith(" M")) return Number.parseFloat(t) * 1e6;
  if (t.endsWith(" G")) return Number.parseFloat(t) * 1e9;
  return Number(t.replaceAll(",", ""));
};

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set BICYCLE_CHROMIUM`);
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), "bicycle-dashboard-"));
  cluster = new ProcessCluster({ dir });
  await cluster.startJobManager();
  await cluster.startWorker("w1", 4);
  const port = freePort();
  base = `http://127.0.0.1:${port}`;
  webui = Bun.spawn([process.execPath, join(ROOT, "src/cli/main.ts"), "webui", "--bind", `127.0.0.1:${port}`, "--jobmanager", cluster.jobManagerAddress, "--savepoint-dir", join(dir, "savepoints")], {
    cwd: ROOT,
    stdout: Bun.file(join(dir, "webui.out.log")),
    stderr: Bun.file(join(dir, "webui.log")),
  });
  await until(async () => (await fetch(`${base}/health`).catch(() => null))?.ok === true, "the web UI to answer");
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  webui?.kill("SIGKILL");
  await webui?.exited;
  await cluster?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("dashboard in Chromium", () => {
  test("the page and its assets are served by the web UI itself, with nothing from another origin", async () => {
    const foreign: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(base)) foreign.push(r.url());
    });
    await page.goto(`${base}/#/overview`);
    await page.locator('[data-stat="workers"] .stat-value').filter({ hasText: "1 / 1" }).waitFor();
    expect(await page.locator('[data-stat="slots"] .stat-value').textContent()).toBe("4 / 4");
    expect(await page.locator("#connection").textContent()).toBe("live");
    expect(await page.locator("#records-chart canvas").count()).toBeGreaterThan(0);
    expect(foreign).toEqual([]);
    await shot("overview-idle");
  });

  test("workers page lists the worker with its slots", async () => {
    await page.goto(`${base}/#/workers`);
    const row = page.locator("#workers-table tr", { has: page.locator('[data-worker="w1"]') });
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    expect(cells[3]).toBe("0 / 4");
    expect(cells[6]).toBe("ALIVE");
    await shot("workers");
  });

  test("bad SQL in the SQL box shows the planner's error with its position, and submits nothing", async () => {
    await page.goto(`${base}/#/sql`);
    await page.locator("#sql-text").fill("SELECT nope FROM nowhere");
    await page.locator("#sql-submit").click();
    const error = page.locator("#sql-result .error-box");
    await error.waitFor();
    expect(await error.textContent()).toMatch(/line 1, column \d+.*nowhere/i);
    expect((await getJson<{ jobs: unknown[] }>("/api/jobs")).jobs).toEqual([]);
    await shot("sql-error");
  });

  let jobId = "";

  test("the SQL box submits the example job and opens its page: DAG as planned, records rising", async () => {
    await page.goto(`${base}/#/sql`);
    await page.reload(); // a fresh SQL box with the example script (the last test typed over it)
    await page.locator("#sql-name").fill("clicks-per-user");
    await page.locator("#sql-parallelism").fill("2");
    await page.locator("#sql-submit").click();
    // A hash change, not a page load: wait on location itself.
    await page.waitForFunction(String.raw`/^#\/jobs\/[A-Za-z0-9_-]+$/.test(location.hash)`);
    jobId = decodeURIComponent(page.url().split("#/jobs/")[1]!);
    const rest = await getJson<{ name: string; parallelism: number }>(`/api/jobs/${jobId}`);
    expect(rest).toMatchObject({ name: "clicks-per-user", parallelism: 2 });

    await page.locator("h1 .badge").filter({ hasText: "RUNNING" }).waitFor({ timeout: 30_000 });
    // The DAG: one box per vertex of the REST plan, with its parallelism, and an arrow per edge.
    const plan = await getJson<{ vertices: { id: string; parallelism: number }[]; edges: unknown[] }>(`/api/jobs/${jobId}/plan`);
    await page.locator("svg.dag .dag-vertex").first().waitFor();
    expect(await page.locator("svg.dag .dag-vertex").count()).toBe(plan.vertices.length);
    expect(await page.locator("svg.dag .dag-edge").count()).toBe(plan.edges.length);
    for (const v of plan.vertices) {
      expect(await page.locator(`svg.dag [data-vertex="${v.id}"] .dag-info`).textContent()).toContain(`parallelism ${v.parallelism}`);
    }
    // Records in rise while we watch (the source is paced at 2,000 rows/s).
    const recordsIn = page.locator('[data-stat="records-in"] .stat-value');
    await until(async () => parseCount((await recordsIn.textContent()) ?? "0") > 0, "records in to be counted");
    const first = parseCount((await recordsIn.textContent())!);
    await until(async () => parseCount((await recordsIn.textContent()) ?? "0") > first, "records in to rise");
    await until(async () => /[1-9]/.test((await page.locator('[data-stat="rate"] .stat-value').textContent()) ?? ""), "a non-zero records/s");
    const tasks = await getJson<{ tasks: unknown[] }>(`/api/jobs/${jobId}/tasks`);
    expect(await page.locator("#tasks-table tbody tr").count()).toBe(tasks.tasks.length);
    await shot("job-running");
  }, 90_000);

  test("the overview's records/s chart and running-jobs table show the job", async () => {
    await page.goto(`${base}/#/overview`);
    await page.locator(`a.job-link[data-job="${jobId}"]`).waitFor();
    expect(await page.locator('[data-stat="running-jobs"] .stat-value').textContent()).toBe("1");
    await until(async () => /[1-9]/.test((await page.locator('[data-stat="records-per-second"] .stat-value').textContent()) ?? ""), "the overview's records/s to show the job");
    await page.waitForTimeout(2500); // a few chart points
    await shot("overview-running");
  }, 30_000);

  test("the savepoint button writes a savepoint the history then lists", async () => {
    await page.goto(`${base}/#/jobs/${encodeURIComponent(jobId)}`);
    await page.locator("#savepoint:not([disabled])").click();
    const message = page.locator("#messages .message.info", { hasText: "savepoint" });
    await message.waitFor({ timeout: 30_000 });
    const text = (await message.textContent()) ?? "";
    expect(text).toContain(join(dir, "savepoints"));
    await page.locator("#checkpoints-table tbody tr", { hasText: "savepoint" }).waitFor();
    const history = await getJson<{ counts: { savepoints: number }; history: { kind: string; path: string }[] }>(`/api/jobs/${jobId}/checkpoints`);
    expect(history.counts.savepoints).toBe(1);
    expect(text).toContain(history.history.find((c) => c.kind === "savepoint")!.path);
    await shot("job-savepoint");
  }, 60_000);

  test("the cancel button asks once more, then cancels the job", async () => {
    await page.locator("#cancel").click();
    await page.locator("#keep-running").click();
    expect((await getJson<{ status: string }>(`/api/jobs/${jobId}`)).status).toBe("running");
    await page.locator("#cancel").click();
    await shot("job-confirm-cancel");
    await page.locator("#confirm-cancel").click();
    await page.locator("h1 .badge").filter({ hasText: "CANCELLED" }).waitFor({ timeout: 30_000 });
    expect((await getJson<{ status: string }>(`/api/jobs/${jobId}`)).status).toBe("cancelled");
    expect(await page.locator("#cancel").isDisabled()).toBe(true);
    await shot("job-cancelled");

    await page.goto(`${base}/#/jobs`);
    const row = page.locator("#jobs-table tr", { has: page.locator(`a[data-job="${jobId}"]`) });
    await row.waitFor();
    expect(await row.locator(".badge").textContent()).toBe("CANCELLED");
    await shot("jobs");
  }, 60_000);

  test("an unknown job id shows 'No such job', not a broken page", async () => {
    await page.goto(`${base}/#/jobs/0123456789abcdef`);
    await page.locator("h1", { hasText: "No such job" }).waitFor();
  });
});
