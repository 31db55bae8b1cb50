/**
 * @module cli/job-bundle
 * Shipping TypeScript jobs to a cluster. `bundleJobFile` bundles a job module into one ES module with
 * Bun.build, leaving `bicycle` external: on each worker the bundle's `import ... from "bicycle"` is
 * served by the worker's own copy of the API (the same virtual module `bicycle run` uses), so the bundle
 * stays small, works inside the compiled executable, and there is exactly one copy of the API per
 * thread (no cross-copy `instanceof` surprises). `bundleJobLoader` is the worker side: it imports the
 * bundle, runs its default export on a StreamEnvironment created with the job's options, and hands the
 * user functions to the slot by plan node id, after checking the bundle rebuilt the very plan the
 * JobManager scheduled.
 */
import { resolve } from "node:path";
import { existsSync } from "node:fs";
import { PlanError } from "../core/index.ts";
import type { JobLoader } from "../cluster/index.ts";
import { planHash, type JobDefinition } from "../plan/index.ts";
import { StreamEnvironment, type EnvironmentOptions } from "../index.ts";
import { loadJobModule, provideBicycleModule } from "./job-module.ts";

/** Bundle a job module (and everything it imports except `bicycle`) into one ES module. */
export async function bundleJobFile(file: string): Promise<Uint8Array> {
  const path = resolve(file);
  if (!existsSync(path)) throw new PlanError(`job file not found: ${file}`, "JOB_FILE_NOT_FOUND");
  let result: Awaited<ReturnType<typeof Bun.build>>;
  try {
    result = await Bun.build({ entrypoints: [path], external: ["bicycle"], target: "bun", format: "esm", minify: { syntax: true } });
  } catch (error) {
    const detail = error instanceof AggregateError ? error.errors.map((e: unknown) => String((e as { message?: unknown }).message ?? e)).join("; ") : String(error);
    throw new PlanError(`cannot bundle job file ${file}: ${detail}`, "JOB_FILE_INVALID", error);
  }
  if (!result.success || result.outputs.length === 0) {
    throw new PlanError(`cannot bundle job file ${file}: ${result.logs.map((l) => l.message).join("; ")}`, "JOB_FILE_INVALID");
  }
  return new Uint8Array(await result.outputs[0]!.arrayBuffer());
}

/** Build a job module's definition (plan + functions) with the given options. */
export async function defineJob(file: string, options: EnvironmentOptions, name: string): Promise<JobDefinition> {
  return (await defineJobWithOptions(file, options, name)).definition;
}

/** Like defineJob, also returning the options resolved by the environment (defaults, BICYCLE_* variables). */
export async function defineJobWithOptions(file: string, options: EnvironmentOptions, name: string): Promise<{ definition: JobDefinition; options: EnvironmentOptions }> {
  const env = StreamEnvironment.create(options);
  const build = await loadJobModule(file);
  await build(env);
  return { definition: env.getJobDefinition(name), options: env.options as EnvironmentOptions };
}

/** Worker side: rebuild a bundled job's functions (see the module comment). */
export const bundleJobLoader: JobLoader = {
  async load(request) {
    if (request.bundlePath === null) return new Map();
    provideBicycleModule();
    const options = JSON.parse(request.envOptionsJson) as EnvironmentOptions;
    const definition = await defineJob(request.bundlePath, options, request.jobName);
    const rebuilt = planHash(definition.plan);
    if (rebuilt !== request.planHash) {
      throw new PlanError(
        `job '${request.jobName}': the bundle built a different plan on this worker (hash ${rebuilt.slice(0, 12)}, scheduled ${request.planHash.slice(0, 12)}); a job module must build the same pipeline every time it runs`,
        "JOB_FILE_INVALID",
      );
    }
    return definition.functions;
  },
};
