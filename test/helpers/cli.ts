/**
 * Test helper: run the `bicycle` CLI from source (src/cli/main.ts) as a child process and collect its
 * exit code, stdout and stderr. The child gets the parent's environment minus BICYCLE_LOG and
 * BICYCLE_JOBMANAGER (a test sets those itself, so a developer's shell cannot change its output),
 * with NO_COLOR; stdin is the given text or /dev/null.
 */
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
const MAIN = resolve(ROOT, "src/cli/main.ts");

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The child's environment: see the module comment; `extra` is added last. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== "BICYCLE_LOG" && k !== "BICYCLE_JOBMANAGER") env[k] = v;
  return { ...env, NO_COLOR: "1", ...extra };
}

/** `bicycle ...args`, run to its end. */
export async function runCli(args: readonly string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliResult> {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    cwd: ROOT,
    env: childEnv(options.env),
    stdout: "pipe",
    stderr: "pipe",
    stdin: options.stdin === undefined ? "ignore" : new Blob([options.stdin]),
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { exitCode, stdout, stderr };
}

/** `bicycle submit FILE --detached --jobmanager ADDRESS ...extra`; must succeed; returns the job id it printed. */
export async function submitDetached(jobManager: string, file: string, extra: readonly string[] = []): Promise<string> {
  const r = await runCli(["submit", file, "--detached", "--jobmanager", jobManager, ...extra]);
  if (r.exitCode !== 0) throw new Error(`submit exited ${r.exitCode}: ${r.stderr}`);
  const id = r.stdout.trim();
  if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`submit printed '${id}', not a job id`);
  return id;
}
