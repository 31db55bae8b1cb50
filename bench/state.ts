/**
 * `bun run bench:state`: keyed state throughput of each backend. Per backend: load N keys, then U
 * updates of a ValueState<number> counter (value() + update(), the current key set before each, as the
 * runtime does) with keys drawn uniformly and Zipf(1)-skewed; then a snapshot of the N keys (time and
 * size in the structured-clone encoding checkpoints use) and its restore into a fresh store.
 * Flags: --keys N (1,000,000) --updates U (10,000,000) --backends memory,sqlite,rocksdb
 *        --dist uniform,zipf --cache ENTRIES --batch DIRTY_KEYS (disk cache tuning; default the backends')
 */
import { serialize } from "bun:jsc";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createStateBackend, DEFAULT_CACHE_ENTRIES, type KeyedStateBackend, type StateBackendKind } from "../src/state/index.ts";

const { values } = parseArgs({
  options: {
    keys: { type: "string", default: "1000000" },
    updates: { type: "string", default: "10000000" },
    backends: { type: "string", default: "memory,sqlite,rocksdb" },
    dist: { type: "string", default: "uniform,zipf" },
    cache: { type: "string" },
    batch: { type: "string" },
  },
});
const KEYS = Number(values.keys);
const UPDATES = Number(values.updates);
const BACKENDS = values.backends.split(",") as StateBackendKind[];
const DISTS = values.dist.split(",");
const CACHE = values.cache === undefined ? undefined : Number(values.cache);
const BATCH = values.batch === undefined ? undefined : Number(values.batch);
const TARGETS: Record<StateBackendKind, number> = { memory: 5e6, sqlite: 5e5, rocksdb: 1e6 };

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");
const rate = (n: number, ms: number): string => `${((n / ms) * 1000 / 1e6).toFixed(2).padStart(6)} M/s`;

/** xorshift32: a fast, seeded generator so every backend sees the same key sequence. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** `count` key indexes in [0, keys): uniform, or Zipf with exponent 1 (rank r drawn with weight 1/r). */
function keySequence(dist: string, keys: number, count: number): Int32Array {
  const next = rng(42);
  const out = new Int32Array(count);
  if (dist === "uniform") {
    for (let i = 0; i < count; i++) out[i] = Math.floor(next() * keys);
    return out;
  }
  const cdf = new Float64Array(keys);
  let sum = 0;
  for (let r = 0; r < keys; r++) cdf[r] = sum += 1 / (r + 1);
  // Scatter ranks over the key space so hot keys are not neighbours.
  const perm = (r: number): number => (r * 2654435761) % keys;
  for (let i = 0; i < count; i++) {
    const u = next() * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    out[i] = perm(lo);
  }
  return out;
}

async function run(kind: StateBackendKind, dir: string, sequences: Map<string, Int32Array>): Promise<void> {
  const backend = createStateBackend(kind, {
    dir,
    ...(CACHE === undefined ? {} : { cacheEntries: CACHE }),
    ...(BATCH === undefined ? {} : { writeBatchSize: BATCH }),
  });
  const options = { operatorId: `bench-${kind}`, keyGroupRange: { start: 0, end: 127 }, maxParallelism: 128 };
  const store = await backend.createKeyedBackend(options);
  const flush = (): void => (store as KeyedStateBackend & { flush?: () => void }).flush?.();
  const counter = store.getValueState<number>({ kind: "value", name: "count", defaultValue: 0 });
  const label = kind.padEnd(8);

  let t = performance.now();
  for (let k = 0; k < KEYS; k++) {
    store.setCurrentKey(k);
    counter.update(1);
  }
  flush();
  let ms = performance.now() - t;
  console.log(`${label} load      ${rate(KEYS, ms)} puts      (${fmt(KEYS)} keys, ${fmt(ms)} ms)`);

  for (const [dist, seq] of sequences) {
    t = performance.now();
    for (let i = 0; i < seq.length; i++) {
      store.setCurrentKey(seq[i]!);
      counter.update(counter.value()! + 1);
    }
    flush();
    ms = performance.now() - t;
    const ok = (seq.length / ms) * 1000 >= TARGETS[kind] ? "meets" : "below";
    console.log(`${label} ${dist.padEnd(9)} ${rate(seq.length, ms)} updates   (${fmt(seq.length)} get+update over ${fmt(KEYS)} keys, ${fmt(ms)} ms; ${ok} target ${fmt(TARGETS[kind])}/s)`);
  }

  t = performance.now();
  const snap = store.snapshot(1);
  const snapMs = performance.now() - t;
  t = performance.now();
  const bytes = serialize(snap).byteLength;
  const encodeMs = performance.now() - t;
  const entries = snap.states.reduce((n, s) => n + s.entries.length, 0);
  const restored = await backend.createKeyedBackend(options);
  t = performance.now();
  restored.restore([snap]);
  const restoreMs = performance.now() - t;
  console.log(
    `${label} snapshot  ${fmt(snapMs)} ms for ${fmt(entries)} entries, ${(bytes / 1e6).toFixed(1)} MB encoded (+${fmt(encodeMs)} ms); restore ${fmt(restoreMs)} ms`,
  );
  store.dispose();
  restored.dispose();
  await Promise.all([store, restored].map((s) => (s as { closed?: Promise<void> | null }).closed));
}

const dir = await mkdtemp(join(tmpdir(), "bicycle-bench-state-"));
try {
  console.log(
    `keyed state: ${fmt(KEYS)} keys, ${fmt(UPDATES)} updates; disk cache ${fmt(CACHE ?? DEFAULT_CACHE_ENTRIES)} entries, ` +
      `write batch ${fmt(BATCH ?? CACHE ?? DEFAULT_CACHE_ENTRIES)} dirty keys`,
  );
  const sequences = new Map(DISTS.map((d) => [d, keySequence(d, KEYS, UPDATES)] as const));
  for (const kind of BACKENDS) {
    await run(kind, dir, sequences);
    Bun.gc(true);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
