/**
 * @module cli/job-totals
 * Records into and out of a cluster job (shared by `submit`'s follow lines, `jobs`, `job` and
 * `metrics`): the cluster's own definition, which the REST API uses too.
 */
export { jobTotals, vertexOfTask } from "../cluster/index.ts";
