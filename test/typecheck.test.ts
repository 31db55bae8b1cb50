/**
 * The whole project type-checks under the strict tsconfig, tests and examples included. This is what
 * makes the `@ts-expect-error` lines in the API tests (a wrong field name in `sum("valu")` must not
 * compile) part of the test suite.
 */
import { expect, test } from "bun:test";
import { resolve } from "node:path";

test("tsc --noEmit passes over src, test, examples, bench and scripts", async () => {
  const root = resolve(import.meta.dir, "..");
  const proc = Bun.spawn([process.execPath, resolve(root, "node_modules/typescript/lib/tsc.js"), "--noEmit", "-p", root], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect(`${out}${err}`.trim()).toBe("");
  expect(code).toBe(0);
}, 120_000);
