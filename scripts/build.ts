/**
 * Builds the single `bicycle` executable with `bun build --compile`, driven through Bun.build so
 * plugins, native addons, wasm files, worker entrypoints and dashboard assets can be embedded as the
 * project grows. Output: dist/bicycle (override with --outfile).
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";

const { values } = parseArgs({ options: { outfile: { type: "string", default: "dist/bicycle" } } });
const root = resolve(import.meta.dir, "..");
const outfile = resolve(root, values.outfile!);

const started = performance.now();
const result = await Bun.build({
  entrypoints: [resolve(root, "src/cli/main.ts")],
  compile: { outfile },
  minify: { syntax: true, whitespace: true },
  sourcemap: "linked",
  target: "bun",
});
if (!result.success) {
  for (const message of result.logs) console.error(message);
  process.exit(1);
}
console.log(`built ${outfile} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
