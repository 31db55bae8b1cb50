/**
 * Builds the single executable into a fresh temp folder and copies it into another one, outside the
 * repository, so no node_modules can be reached from where it runs. For the e2e tests.
 */
import { copyFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");

/** Returns the folder holding `./bicycle` (runDir) and the build folder, both for the caller to remove. */
export async function buildBinaryInto(prefix: string): Promise<{ runDir: string; buildDir: string }> {
  const buildDir = await mkdtemp(join(tmpdir(), "bicycle-build-"));
  const outfile = join(buildDir, "bicycle");
  const build = Bun.spawn([process.execPath, "scripts/build.ts", "--outfile", outfile], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(build.stdout).text(), new Response(build.stderr).text(), build.exited]);
  if (code !== 0) throw new Error(`build failed (exit ${code}):\n${out}${err}`);
  const runDir = await mkdtemp(join(tmpdir(), prefix));
  await copyFile(outfile, join(runDir, "bicycle"));
  return { runDir, buildDir };
}
