/**
 * The whole project type-checks under the strict tsconfig, tests and examples included. This is what
 * makes the `@ts-expect-error` lines in the API tests (a wrong field name in `sum("valu")` must not
 * compile) part of the test suite. The dashboard (browser code) has its own tsconfig with DOM types.
 */
import { expect, test } from "bun:test";
import { resolve } from "node:path";

const root = resolve(import.meta.dir, "..");

async function tsc(project: string): Promise<void> {
  const proc = Bun.spawn([process.execPath, resolve(root, "node_modules/typescript/lib/tsc.js"), "--noEmit", "-p", project], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(`${out}${err}`.trim()).toBe("");
  expect(code).toBe(0);
}

test("tsc --noEmit passes over src, test, examples, bench and scripts", () => tsc(root), 120_000);

test("tsc --noEmit passes over the dashboard's browser code (DOM types, its own tsconfig)", () => tsc(resolve(root, "src/web/dashboard")), 120_000);
