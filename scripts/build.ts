/**
 * Builds the single `bicycle` executable with `bun build --compile`, driven through Bun.build so
 * plugins, native addons, wasm files, worker entrypoints and dashboard assets can be embedded as the
 * project grows. Output: dist/bicycle (override with --outfile).
 */
import { parseArgs } from "node:util";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import type { BunPlugin } from "bun";

const { values } = parseArgs({ options: { outfile: { type: "string", default: "dist/bicycle" } } });
const root = resolve(import.meta.dir, "..");
const outfile = resolve(root, values.outfile!);

/**
 * @nxtedition/rocksdb finds its native addon at run time (`require("node-gyp-build")(__dirname)`), which a
 * compiled executable would resolve against the build machine's node_modules. Replace that lookup with a
 * static `require()` of the prebuilt .node for this platform (chosen by node-gyp-build itself, now), so
 * Bun embeds the addon in the executable.
 */
const embedRocksDbAddon: BunPlugin = {
  name: "embed-rocksdb-addon",
  setup(build) {
    build.onLoad({ filter: /[\\/]@nxtedition[\\/]rocksdb[\\/]binding\.js$/ }, (args) => {
      const packageDir = dirname(args.path);
      const nodeGypBuild = createRequire(args.path)("node-gyp-build") as { resolve(dir: string): string };
      const addon = nodeGypBuild.resolve(packageDir);
      return { contents: `module.exports = require(${JSON.stringify(addon)});`, loader: "js" };
    });
  },
};

const started = performance.now();
const result = await Bun.build({
  // slot-thread.ts runs each worker slot on its own thread (new Worker); a compiled executable only
  // embeds a Worker module given as an entrypoint. See src/cli/slot-entry.ts for how it is addressed.
  entrypoints: [resolve(root, "src/cli/main.ts"), resolve(root, "src/cli/slot-thread.ts")],
  compile: { outfile },
  minify: { syntax: true, whitespace: true },
  sourcemap: "linked",
  target: "bun",
  plugins: [embedRocksDbAddon],
});
if (!result.success) {
  for (const message of result.logs) console.error(message);
  process.exit(1);
}
console.log(`built ${outfile} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
