/**
 * @module web/prometheus
 * `GET /metrics` in the Prometheus text format. The engine keeps plain counters (a labelled prom-client
 * increment per record would cost ~320 ns); at scrape time they are read through the gateway and handed
 * to prom-client in a fresh registry: per-task records/bytes in/out and backpressure, per-job checkpoint
 * counts, durations and sizes, worker slots, CPU and memory. This process's own metrics (CPU, memory,
 * GC, event loop) come from collectDefaultMetrics in a private registry, never the global one.
 * Throughput is `rate(bicycle_task_records_out_total[1m])` in Prometheus.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";
import { jobTotals, liveJobDetails, vertexOfTask, type JobDetails, type JobManagerGateway } from "../cluster/index.ts";

/** Scrapes for one server: its process registry lives as long as the server. */
export class PrometheusExporter {
  private readonly processRegistry = new Registry();

  constructor(private readonly gateway: JobManagerGateway) {
    collectDefaultMetrics({ register: this.processRegistry, prefix: "bicycle_web_" });
  }

  readonly contentType: string = this.processRegistry.contentType;

  /** The exposition text of the cluster and this process, read now. */
  async scrape(): Promise<string> {
    const [{ jobs }, overview] = await Promise.all([this.gateway.listJobs(), this.gateway.clusterOverview()]);
    const details = await liveJobDetails(this.gateway, jobs);
    const cluster = new Registry();
    describeCluster(cluster, jobs, details, overview);
    return Registry.merge([this.processRegistry, cluster]).metrics();
  }
}

type Overview = Awaited<ReturnType<JobManagerGateway["clusterOverview"]>>;
type Summaries = Awaited<ReturnType<JobManagerGateway["listJobs"]>>["jobs"];

function describeCluster(registers: Registry, jobs: Summaries, details: readonly JobDetails[], overview: Overview): void {
  const r = [registers];
  const task = ["job_id", "job_name", "vertex", "task_id", "worker_id"] as const;
  const counter = (name: string, help: string, labelNames: readonly string[]) => new Counter({ name, help, labelNames, registers: r });
  const gauge = (name: string, help: string, labelNames: readonly string[]) => new Gauge({ name, help, labelNames, registers: r });

  const recordsIn = counter("bicycle_task_records_in_total", "Records a task received", task);
  const recordsOut = counter("bicycle_task_records_out_total", "Records a task emitted or wrote", task);
  const bytesIn = counter("bicycle_task_bytes_in_total", "Bytes a task received", task);
  const bytesOut = counter("bicycle_task_bytes_out_total", "Bytes a task sent", task);
  const backpressure = gauge("bicycle_task_backpressure_ratio", "Share of time a task waited for downstream credit (0..1)", task);
  const jobIn = counter("bicycle_job_records_in_total", "Records a job's sources read", ["job_id", "job_name"]);
  const jobOut = counter("bicycle_job_records_out_total", "Records a job's sinks wrote", ["job_id", "job_name"]);
  const checkpoints = counter("bicycle_job_checkpoints_total", "Completed checkpoints and savepoints of a job", ["job_id", "job_name", "kind"]);
  const cpDuration = gauge("bicycle_job_last_checkpoint_duration_seconds", "Duration of a job's latest completed checkpoint", ["job_id", "job_name"]);
  const cpSize = gauge("bicycle_job_last_checkpoint_size_bytes", "Size of a job's latest completed checkpoint", ["job_id", "job_name"]);
  const cpDurationSum = counter("bicycle_job_checkpoint_duration_seconds_sum", "Summed durations of a job's retained checkpoints", ["job_id", "job_name"]);
  const cpSizeSum = counter("bicycle_job_checkpoint_size_bytes_sum", "Summed sizes of a job's retained checkpoints", ["job_id", "job_name"]);
  const restarts = counter("bicycle_job_restarts_total", "Restarts of a job", ["job_id", "job_name"]);
  const jobsByStatus = gauge("bicycle_jobs", "Jobs the JobManager knows, by status", ["status"]);
  const slots = gauge("bicycle_worker_slots", "Slots of a worker", ["worker_id", "host"]);
  const freeSlots = gauge("bicycle_worker_slots_free", "Free slots of a worker", ["worker_id", "host"]);
  const cpu = gauge("bicycle_worker_cpu_percent", "CPU use of a worker process (100 = one core)", ["worker_id", "host"]);
  const rss = gauge("bicycle_worker_resident_memory_bytes", "Resident memory of a worker process", ["worker_id", "host"]);
  const up = gauge("bicycle_worker_up", "1 while a worker heartbeats, 0 once lost", ["worker_id", "host"]);
  gauge("bicycle_cluster_slots", "Slots of all workers", []).set(overview.totalSlots);
  gauge("bicycle_cluster_slots_free", "Free slots of all workers", []).set(overview.freeSlots);
  gauge("bicycle_cluster_uptime_seconds", "Time since the JobManager started", []).set(overview.uptimeMs / 1000);

  const statuses: Record<string, number> = {};
  for (const j of jobs) statuses[j.status] = (statuses[j.status] ?? 0) + 1;
  for (const [status, n] of Object.entries(statuses)) jobsByStatus.set({ status }, n);

  for (const job of details) {
    const j = { job_id: job.summary.jobId, job_name: job.summary.name };
    for (const t of job.tasks) {
      const labels = { ...j, vertex: vertexOfTask(t.taskId), task_id: t.taskId, worker_id: t.workerId };
      recordsIn.inc(labels, t.recordsIn);
      recordsOut.inc(labels, t.recordsOut);
      bytesIn.inc(labels, t.bytesIn);
      bytesOut.inc(labels, t.bytesOut);
      backpressure.set(labels, Math.min(1, t.backpressureRatio));
    }
    const totals = jobTotals(job);
    jobIn.inc(j, totals.recordsIn);
    jobOut.inc(j, totals.recordsOut);
    restarts.inc(j, job.summary.restarts);
    checkpoints.inc({ ...j, kind: "checkpoint" }, job.checkpoints.filter((c) => c.kind === "checkpoint").length);
    checkpoints.inc({ ...j, kind: "savepoint" }, job.checkpoints.filter((c) => c.kind === "savepoint").length);
    cpDurationSum.inc(j, job.checkpoints.reduce((s, c) => s + c.durationMs, 0) / 1000);
    cpSizeSum.inc(j, job.checkpoints.reduce((s, c) => s + c.sizeBytes, 0));
    const last = job.checkpoints.at(-1);
    if (last !== undefined) {
      cpDuration.set(j, last.durationMs / 1000);
      cpSize.set(j, last.sizeBytes);
    }
  }
  for (const w of overview.workers) {
    const labels = { worker_id: w.workerId, host: w.hostname || w.host };
    slots.set(labels, w.slots);
    freeSlots.set(labels, w.freeSlots);
    cpu.set(labels, w.cpuPercent);
    rss.set(labels, w.rssBytes);
    up.set(labels, w.status === "alive" ? 1 : 0);
  }
}
