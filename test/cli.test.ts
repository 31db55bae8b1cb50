/**
 * The `bicycle` CLI run from source (src/cli/main.ts) as a child process: exact demo output, the
 * example jobs, and the one-line errors and exit codes of `run`, unknown commands and `--help`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { childEnv, ROOT, runCli, type CliResult } from "./helpers/cli.ts";
import { DEMO_WINDOWS, lines } from "./helpers/demo-output.ts";

const MAIN = "src/cli/main.ts";

const shQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** Run the CLI from source with separate stdout and stderr. */
const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, { env });

/** Run the CLI from source through `sh -c "... 2>&1"`, so stdout and stderr interleave in write order. */
async function cliMerged(args: string[], extraEnv: Record<string, string> = {}): Promise<{ exitCode: number; output: string }> {
  const command = [process.execPath, MAIN, ...args].map(shQuote).join(" ");
  const proc = Bun.spawn(["sh", "-c", `${command} 2>&1`], { cwd: ROOT, env: childEnv(extraEnv), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [output, exitCode] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return { exitCode, output };
}



describe("bicycle demo", () => {
  test("prints exactly the banner, the 7 window sums and the footer, and exits 0", async () => {
    const { exitCode, output } = await cliMerged(["demo"]);
    expect(output).toBe(["INFO  Starting Bicycle streaming demo", ...DEMO_WINDOWS, "INFO  Demo complete", ""].join("\n"));
    expect(exitCode).toBe(0);
  });

  test("stdout alone holds exactly the 7 window lines; logs go to stderr", async () => {
    const { exitCode, stdout, stderr } = await cli(["demo"]);
    expect(stdout).toBe(DEMO_WINDOWS.join("\n") + "\n");
    expect(lines(stderr)).toEqual(["INFO  Starting Bicycle streaming demo", "INFO  Demo complete"]);
    expect(exitCode).toBe(0);
  });

  test("BICYCLE_LOG=debug adds DEBUG lines but leaves the window lines unchanged", async () => {
    const { exitCode, output } = await cliMerged(["demo"], { BICYCLE_LOG: "debug" });
    const all = lines(output);
    expect(all.some((l) => l.startsWith("DEBUG "))).toBe(true);
    expect(all.filter((l) => l.startsWith("window="))).toEqual(DEMO_WINDOWS);
    expect(all.filter((l) => !l.startsWith("DEBUG "))).toEqual(["INFO  Starting Bicycle streaming demo", ...DEMO_WINDOWS, "INFO  Demo complete"]);
    expect(exitCode).toBe(0);
  });
});

/** The LINES constant of examples/wordcount.ts, read from its source (it is not exported). */
function wordcountLines(): string[] {
  const source = readFileSync(join(ROOT, "examples/wordcount.ts"), "utf8");
  const block = /const LINES = \[([\s\S]*?)\];/.exec(source);
  if (block === null) throw new Error("examples/wordcount.ts no longer declares `const LINES = [...]`");
  return [...block[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
}

/** What the example emits: a rolling count per word (parallelism 1, arrival order), only counts >= 2. */
function expectedWordcount(text: readonly string[]): string[] {
  const counts = new Map<string, number>();
  const out: string[] = [];
  for (const line of text) {
    for (const word of line.split(/\s+/)) {
      const n = (counts.get(word) ?? 0) + 1;
      counts.set(word, n);
      if (n >= 2) out.push(`${word}: ${n}`);
    }
  }
  return out;
}

describe("bicycle run examples", () => {
  test("examples/wordcount.ts prints the rolling counts of repeated words", async () => {
    const text = wordcountLines();
    expect(text.length).toBe(3);
    const expected = expectedWordcount(text);
    // Hand-checked for the current LINES: "the" x3, "dog" x3, "quick" x2, "brown" x2.
    expect(expected).toEqual(["the: 2", "the: 3", "dog: 2", "quick: 2", "brown: 2", "dog: 3"]);

    const { exitCode, stdout, stderr } = await cli(["run", "examples/wordcount.ts"]);
    expect(lines(stdout)).toEqual(expected);
    expect(lines(stderr)[0]).toBe("INFO  Running job 'wordcount'");
    expect(lines(stderr)[1]).toMatch(/^INFO {2}Job 'wordcount' finished in \d+ ms$/);
    expect(exitCode).toBe(0);
  });

  test("examples/sessions.ts prints the sessions and the late click, in watermark order", async () => {
    // Gap 30 s, watermark = max ts - 1 s, lateness 5 s. bob@90s fires both first sessions (bob's ends
    // earlier); bob@1s is behind the watermark by far more than 5 s; bob@200s fires the 90 s and 120 s
    // sessions; end of input fires the last one.
    const expected = [
      "bob: 1 clicks in [2s, 32s) /",
      "ann: 3 clicks in [0s, 55s) / /docs /docs/api",
      "late click dropped from sessions: bob /late at 1s",
      "bob: 1 clicks in [90s, 120s) /blog",
      "ann: 1 clicks in [120s, 150s) /",
      "bob: 1 clicks in [200s, 230s) /",
    ];
    const { exitCode, stdout, stderr } = await cli(["run", "examples/sessions.ts"]);
    expect(lines(stdout)).toEqual(expected);
    expect(lines(stderr)[0]).toBe("INFO  Running job 'sessions'");
    expect(exitCode).toBe(0);
  });

  test("--name and --parallelism are honoured", async () => {
    const { exitCode, stdout, stderr } = await cli(["run", "-p", "2", "--name", "wc2", "examples/wordcount.ts"]);
    expect(lines(stderr)[0]).toBe("INFO  Running job 'wc2'");
    // With two print subtasks each line carries a "k> " prefix; per word the rolling counts still rise.
    const out = lines(stdout);
    expect(out.every((l) => /^[12]> /.test(l))).toBe(true);
    const stripped = out.map((l) => l.replace(/^\d+> /, ""));
    expect(stripped.toSorted()).toEqual(expectedWordcount(wordcountLines()).toSorted());
    const perWord = (all: string[], word: string): string[] => all.filter((l) => l.startsWith(`${word}: `));
    for (const word of ["the", "dog"]) expect(perWord(stripped, word)).toEqual(perWord(expectedWordcount(wordcountLines()), word));
    expect(exitCode).toBe(0);
  });
});

describe("bicycle run errors", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "bicycle-cli-test-"));
  });
  afterAll(async () => {
    if (dir !== "") await rm(dir, { recursive: true, force: true });
  });

  const expectNoStack = (r: CliResult): void => {
    expect(r.stdout + r.stderr).not.toContain("    at ");
  };

  test("a missing job file exits 1 with one error line", async () => {
    const missing = join(dir, "does-not-exist.ts");
    const r = await cli(["run", missing]);
    expect(r.exitCode).toBe(1);
    expect(lines(r.stderr)).toEqual([`error: job file not found: ${missing}`]);
    expect(r.stdout).toBe("");
    expectNoStack(r);
  });

  test("a job file without a default export exits 1 and says what is missing", async () => {
    const file = join(dir, "no-default.ts");
    await writeFile(file, `import { StreamEnvironment } from "bicycle";\nexport const env = StreamEnvironment;\n`);
    const r = await cli(["run", file]);
    expect(r.exitCode).toBe(1);
    const errorLines = lines(r.stderr);
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toStartWith("error: ");
    expect(errorLines[0]).toContain("no-default.ts");
    expect(errorLines[0]).toContain("default-export a function");
    expectNoStack(r);
  });

  test("a job file that does not compile exits 1 naming the file", async () => {
    const file = join(dir, "broken.ts");
    await writeFile(file, `export default function (env) {\n  env.fromElements([1, 2).print();\n}\n`);
    const r = await cli(["run", file]);
    expect(r.exitCode).toBe(1);
    const errorLines = lines(r.stderr).filter((l) => l.startsWith("error: "));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain("broken.ts");
    expectNoStack(r);
  });

  test("a map that throws fails the job with exit 1, naming the operator and the record number", async () => {
    // Seven records in batches of two; the map throws on the 5th record (value 5), the first record of
    // the third batch, so the position must add up across batches.
    const file = join(dir, "throws.ts");
    await writeFile(
      file,
      [
        `import { StreamEnvironment } from "bicycle";`,
        `export default function job(env: StreamEnvironment): void {`,
        `  env`,
        `    .fromElements([1, 2, 3, 4, 5, 6, 7], { batchSize: 2 })`,
        `    .map((n) => {`,
        `      if (n === 5) throw new Error("cannot double five");`,
        `      return n * 2;`,
        `    })`,
        `    .print();`,
        `}`,
        ``,
      ].join("\n"),
    );
    const r = await cli(["run", file]);
    expect(r.exitCode).toBe(1);
    const errorLines = lines(r.stderr).filter((l) => l.startsWith("error: "));
    expect(errorLines).toHaveLength(1);
    expect(lines(r.stdout)).toEqual(["2", "4", "6", "8"]);
    expectNoStack(r);
    const message = errorLines[0]!;
    expect(message).toContain("cannot double five");
    expect(message).toContain("'Map'");
    expect(message).toMatch(/\bmap-\d+\b/);
    // The message counts subtasks from 1 ("subtask 1/1"); records must be counted the same way: the
    // failing record is the 5th of the map's input.
    expect(message).toContain("subtask 1/1");
    expect(message).toContain("record #5 ");
  });

  test("an invalid --parallelism exits 1", async () => {
    const r = await cli(["run", "-p", "0", "examples/wordcount.ts"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("positive integer");
    expect(r.stdout).toBe("");
  });

  test("run without a file exits 1", async () => {
    const r = await cli(["run"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("missing required argument 'file'");
  });
});

describe("bicycle commands and help", () => {
  test("an unknown subcommand exits 1 and names it", async () => {
    const r = await cli(["frobnicate"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toContain("    at ");
  });

  test("demo --help exits 0 and describes the demo", async () => {
    const r = await cli(["demo", "--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("Usage: bicycle demo");
    expect(r.stdout).toContain("tumbling");
    expect(r.stdout).not.toContain("window=");
  });

  test("run --help exits 0 and describes the job file and options", async () => {
    const r = await cli(["run", "--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("Usage: bicycle run [options] <file>");
    expect(r.stdout).toContain("default export");
    expect(r.stdout).toContain("--parallelism");
    expect(r.stdout).toContain("--name");
  });

  test("--help lists demo and run", async () => {
    const r = await cli(["--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^ {2}demo\b/m);
    expect(r.stdout).toMatch(/^ {2}run\b/m);
  });

  test("--version prints the version in package.json", async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    const r = await cli(["--version"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });
});
