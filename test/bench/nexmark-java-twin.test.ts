/**
 * The Java twin of the Nexmark generator (bench/flink, the Flink side of `bun run bench:vs-flink`)
 * produces the same event sequence as Bicycle's: its generator classes (plain Java, no Flink) are
 * compiled with the machine's javac and must pass their golden check (three raw draws, events 0/4/54,
 * the SHA-256 of events 0..9999) and give the same SHA-256 as the TypeScript generator for other
 * configurations (seed, rate, out-of-orderness), so a change on either side that breaks the
 * comparison fails here, in CI, without building Flink.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { NexmarkGenerator } from "../../src/connectors/datagen/nexmark/generator.ts";

const SRC = resolve(import.meta.dir, "../../bench/flink/src/main/java/bicycle/bench/flink");
const CLASSES = ["Golden", "NexmarkGenerator", "NexmarkModel", "NexmarkRandom", "Json"].map((c) => join(SRC, `${c}.java`));
let out = "";

function run(command: string[]): { code: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

beforeAll(() => {
  if (Bun.which("javac") === null) throw new Error("javac not found: the Java twin test needs a JDK (17) on the PATH");
  out = mkdtempSync(join(tmpdir(), "bicycle-java-twin-"));
  const compiled = run(["javac", "-d", out, ...CLASSES]);
  if (compiled.code !== 0) throw new Error(`javac failed: ${compiled.stderr}`);
});

afterAll(() => {
  if (out !== "") rmSync(out, { recursive: true, force: true });
});

function tsSha256(events: number, config: { seed: number; firstEventRate: number; outOfOrdernessMs: number }): string {
  const gen = new NexmarkGenerator(config);
  const hash = createHash("sha256");
  for (let i = 0; i < events; i++) hash.update(`${JSON.stringify(gen.event(i))}\n`);
  return hash.digest("hex");
}

describe("the Java twin of the Nexmark generator", () => {
  test("passes the golden check (draws, events 0/4/54, SHA-256 of events 0..9999)", () => {
    const r = run(["java", "-cp", out, "bicycle.bench.flink.Golden"]);
    expect(r.stdout).toContain("draws 2767778133 2419042091 2460269841 OK");
    expect(r.stdout).toContain("sha256(0..9999) 89fd04187ab3a1af69cdb476498a418e5f3c2f6974187415674a7ab59e21f729 OK");
    expect(r.code).toBe(0);
  });

  for (const config of [
    { seed: 7, firstEventRate: 1000, outOfOrdernessMs: 4000 },
    { seed: -123456, firstEventRate: 10_000, outOfOrdernessMs: 0 },
  ]) {
    test(`equals the TypeScript generator over 100,000 events with ${JSON.stringify(config)}`, () => {
      const r = run(["java", "-cp", out, "bicycle.bench.flink.Golden", "100000", String(config.seed), String(config.firstEventRate), String(config.outOfOrdernessMs)]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(tsSha256(100_000, config));
    });
  }
});
