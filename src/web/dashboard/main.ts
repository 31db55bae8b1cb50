/**
 * @module web/dashboard/main
 * The dashboard shell: hash routes (#/overview, #/workers, #/jobs, #/jobs/ID, #/sql), one poll a second
 * (the job list, for the cluster-wide records/s history every page can show, then the page's own
 * fetches; never two polls at once), and a message bar. A failed poll says the JobManager cannot be
 * reached and keeps polling; the page recovers by itself when it answers again.
 */
import { api, ApiError, type JobRow } from "./api.ts";
import { h, replace } from "./dom.ts";
import type { Page, PageFactory, RateHistory, Shell } from "./page.ts";
import { jobPage } from "./pages/job.ts";
import { jobsPage } from "./pages/jobs.ts";
import { overviewPage } from "./pages/overview.ts";
import { sqlPage } from "./pages/sql.ts";
import { workersPage } from "./pages/workers.ts";
import { Rates } from "./rates.ts";

const POLL_MS = 1000;
const HISTORY_POINTS = 300;
const INFO_MESSAGE_MS = 10_000;

const ROUTES: Readonly<Record<string, PageFactory>> = {
  overview: overviewPage,
  workers: workersPage,
  jobs: jobsPage,
  sql: sqlPage,
};

const main = document.getElementById("page")!;
const bar = document.getElementById("messages")!;
const times: number[] = [];
const values: number[] = [];
const history: RateHistory = { times, values };
const jobRates = new Rates();
let jobs: JobRow[] = [];
let page: Page | undefined;
let pageKey = "";

const shell: Shell = {
  history,
  get jobs() {
    return jobs;
  },
  navigate(hash) {
    location.hash = hash;
  },
  flash(text, kind) {
    const message = h("div", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text, h("button", { class: "close", "aria-label": "dismiss", onclick: () => message.remove() }, "×"));
    replace(bar, message);
    // Information fades after a while; an error stays until dismissed or the next success.
    if (kind === "info") setTimeout(() => message.remove(), INFO_MESSAGE_MS);
  },
};

/** Samples the records/s every job's sources read into the history. */
async function sampleJobs(now: number): Promise<void> {
  jobs = (await api.jobs()).jobs;
  let total = 0;
  for (const j of jobs) total += jobRates.sample(j.jobId, j.recordsIn, now);
  jobRates.retain(new Set(jobs.map((j) => j.jobId)));
  times.push(now);
  values.push(total);
  if (times.length > HISTORY_POINTS) {
    times.shift();
    values.shift();
  }
}

function route(): void {
  const [, section = "overview", param] = location.hash.split("/").map(decodeURIComponent);
  const key = `${section}/${param ?? ""}`;
  if (key === pageKey) return;
  page?.dispose?.();
  pageKey = key;
  const factory = section === "jobs" && param !== undefined ? jobPage : ROUTES[section] ?? overviewPage;
  for (const a of document.querySelectorAll<HTMLAnchorElement>("nav a")) a.classList.toggle("active", a.dataset.section === section);
  page = factory(main, shell, param);
  void tick();
}

let running = false;
let pollFailed = false;
const status = document.getElementById("connection")!;

async function tick(): Promise<void> {
  if (running) return;
  running = true;
  const now = Date.now();
  try {
    await sampleJobs(now);
    await page?.refresh(now);
    status.textContent = "live";
    status.className = "connection ok";
    if (pollFailed) replace(bar);
    pollFailed = false;
  } catch (error) {
    const text = error instanceof ApiError && error.status === 0 ? "the dashboard's server does not answer" : error instanceof Error ? error.message : String(error);
    status.textContent = "disconnected";
    status.className = "connection down";
    pollFailed = true;
    if (!(error instanceof ApiError && error.status === 404 && pageKey.startsWith("jobs/"))) shell.flash(text, "error");
    else replace(main, h("h1", {}, "No such job"), h("p", {}, text), h("a", { href: "#/jobs" }, "all jobs"));
  } finally {
    running = false;
  }
}

window.addEventListener("hashchange", route);
route();
setInterval(() => void tick(), POLL_MS);
