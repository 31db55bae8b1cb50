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

/**
 * @platformatic/kafka (the Kafka connectors' client) imports @platformatic/wasm-utils for CRC32C and
 * lz4/snappy. Its main entry reads `native.wasm` from disk next to itself at load time
 * (`readFileSync(new URL("../dist/native.wasm", import.meta.url))`), which inside a compiled executable
 * points into the embedded /$bunfs and fails with ENOENT as soon as the client is imported. The package's
 * `bundled` entry has the same exports with the wasm inlined as base64: resolve the bare import to it.
 * (The optional native CRC32C addon, @node-rs/crc32, is loaded with a guarded runtime require and falls
 * back to the wasm implementation, so it needs nothing here.)
 */
const bundleKafkaWasm: BunPlugin = {
  name: "bundle-kafka-wasm",
  setup(build) {
    build.onResolve({ filter: /^@platformatic\/wasm-utils$/ }, (args) => ({
      path: createRequire(args.importer).resolve("@platformatic/wasm-utils/bundled"),
    }));
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
  // Embed JavaScriptCore bytecode next to the sources, so the executable and each slot thread skip
  // parsing and compiling the multi-megabyte bundle at start-up (`bicycle --version` ~120 -> ~30 ms,
  // first `bicycle sql` row ~250 -> ~125 ms). ESM bytecode needs `compile`; the executable grows ~10%.
  format: "esm",
  bytecode: true,
  plugins: [embedRocksDbAddon, bundleKafkaWasm],
});
if (!result.success) {
  for (const message of result.logs) console.error(message);
  process.exit(1);
}
console.log(`built ${outfile} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
