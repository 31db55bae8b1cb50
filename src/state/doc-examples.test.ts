/** Runs every `@example` in src/state (transpiled from TypeScript), so the documented calls stay true. */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as core from "../core/index.ts";
import * as state from "./index.ts";

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<void>;
const transpiler = new Bun.Transpiler({ loader: "ts" });
const scope: Record<string, unknown> = { ...core, ...state };

/** The `@example` blocks of a source file, without their ` * ` margins. */
function examples(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/@example\n((?:\s*\*(?!\/).*\n)+)/g)) {
    out.push(m[1]!.split("\n").map((l) => l.replace(/^\s*\* ?/, "")).join("\n"));
  }
  return out;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe("@example blocks in src/state", () => {
  const files = [...new Bun.Glob("**/*.ts").scanSync({ cwd: import.meta.dir })].filter((f) => !f.endsWith(".test.ts") && !f.endsWith(".d.ts"));
  const found = files.flatMap((f) => examples(readFileSync(join(import.meta.dir, f), "utf8")).map((code, i) => ({ where: `${relative(".", f)} #${i + 1}`, code })));

  test("there are examples to run", () => {
    expect(found.length).toBeGreaterThanOrEqual(8);
  });

  for (const { where, code } of found) {
    test(where, async () => {
      const dir = await mkdtemp(join(tmpdir(), "bicycle-doc-example-"));
      dirs.push(dir);
      const js = transpiler.transformSync(code.replaceAll("/var/lib/bicycle/state", dir));
      const names = Object.keys(scope);
      await new AsyncFunction(...names, js)(...names.map((n) => scope[n]));
    });
  }
});
