/**
 * @module cli/job-module
 * Loading a TypeScript job module: its default export builds the pipeline on a StreamEnvironment, and
 * its `import ... from "bicycle"` is served by a Bun plugin with this very copy of the API, also inside
 * the compiled executable (and in every slot thread, which registers the plugin itself).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { PlanError } from "../core/index.ts";
import * as bicycle from "../index.ts";
import type { StreamEnvironment } from "../index.ts";

let registered = false;
/**
 * Make `import ... from "bicycle"` in a job file resolve to this very copy of the API, also inside the
 * compiled executable where no package can be resolved from disk.
 */
export function provideBicycleModule(): void {
  if (registered) return;
  registered = true;
  Bun.plugin({
    name: "bicycle-self",
    setup(build) {
      build.module("bicycle", () => ({ exports: bicycle as unknown as Record<string, unknown>, loader: "object" }));
    },
  });
}

interface BuildMessageLike {
  message: string;
  position?: { line: number; column: number; lineText?: string } | null;
}

/** Bun reports syntax errors as BuildMessages (alone or in an AggregateError): say where they are. */
function describeLoadError(error: unknown): string {
  const messages: BuildMessageLike[] =
    error !== null && typeof error === "object" && Array.isArray((error as { errors?: unknown }).errors)
      ? ((error as { errors: BuildMessageLike[] }).errors)
      : [error as BuildMessageLike];
  return messages
    .map((m) => {
      const text = m instanceof Error || typeof m?.message === "string" ? m.message : String(m);
      const p = m?.position;
      return p ? `${text} at line ${p.line}, column ${p.column}${p.lineText ? `: ${p.lineText.trim()}` : ""}` : text;
    })
    .join("; ");
}

export type JobModule = (env: StreamEnvironment) => void | Promise<void>;

/** Import a job file and return its default export, with clear errors for the usual mistakes. */
export async function loadJobModule(file: string): Promise<JobModule> {
  const path = resolve(file);
  if (!existsSync(path)) throw new PlanError(`job file not found: ${file}`, "JOB_FILE_NOT_FOUND");
  provideBicycleModule();
  let mod: { default?: unknown };
  try {
    mod = (await import(path)) as { default?: unknown };
  } catch (error) {
    throw new PlanError(`cannot load job file ${file}: ${describeLoadError(error)}`, "JOB_FILE_INVALID", error);
  }
  if (typeof mod.default !== "function") {
    throw new PlanError(`job file ${file} must default-export a function (env: StreamEnvironment) => void`, "JOB_FILE_INVALID");
  }
  return mod.default as JobModule;
}
