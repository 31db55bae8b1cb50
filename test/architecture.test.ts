/**
 * Architecture rules from STYLE.md §1–2, checked by scanning every import in src/: the folder
 * dependency table, index.ts-only cross-folder imports, bun:sqlite confinement (src/state/sqlite/ plus
 * the JobManager's metadata store) and module comments.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, posix, resolve } from "node:path";
import * as ts from "typescript";

const ROOT = resolve(import.meta.dir, "..");

/** folder -> folders it may import (imports inside the same folder are always allowed). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  core: [],
  plan: ["core"],
  state: ["core"],
  network: ["core"],
  checkpoint: ["core", "state"],
  operators: ["core", "plan", "state"],
  connectors: ["core", "plan", "state", "operators"],
  runtime: ["core", "plan", "state", "checkpoint", "network", "operators", "connectors"],
  api: ["core", "plan", "operators", "connectors"],
  sql: ["core", "plan", "operators", "connectors", "../grammar"],
  cluster: ["core", "plan", "state", "checkpoint", "network", "operators", "connectors", "runtime"],
  web: ["core", "plan", "cluster"],
  cli: ["web", "cluster", "sql", "api", "runtime", "core", "plan", "index"],
  // src/index.ts, the package facade.
  index: ["api", "core", "operators", "connectors", "runtime", "state"],
};

/** What the package name resolves to (tsconfig `paths` and the CLI's module plugin). */
const PACKAGE_NAME = "bicycle";
const FACADE = "src/index.ts";
const SQLITE_HOME = "src/state/sqlite/";
/** Single files outside SQLITE_HOME that may import bun:sqlite: the JobManager's HA metadata store. */
const SQLITE_FILES: readonly string[] = ["src/cluster/jobmanager/job-store.ts"];
const SQLITE_RULE = `only ${SQLITE_HOME} and ${SQLITE_FILES.join(", ")} may`;

function mayImportSqlite(file: string): boolean {
  return file.startsWith(SQLITE_HOME) || SQLITE_FILES.includes(file);
}

interface ImportRef {
  readonly specifier: string;
  readonly line: number;
}

/**
 * Every module specifier in `source`: static imports (also `import type`), `export ... from`,
 * `import x = require()`, dynamic `import("x")`, `require("x")` and `typeof import("x")` types, all with a
 * string literal. Parsed with the TypeScript compiler, so imports inside comments and strings are ignored.
 */
function extractImports(fileName: string, source: string): ImportRef[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: ImportRef[] = [];
  const add = (node: ts.Node | undefined): void => {
    if (node !== undefined && ts.isStringLiteralLike(node)) {
      found.push({ specifier: node.text, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isCallExpression(node)) {
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if (isDynamicImport || isRequire) add(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The area a repo-relative path belongs to: a src/ top-level folder, "index" for the facade, or null. */
function areaOf(path: string): string | null {
  if (path === FACADE) return "index";
  const m = /^src\/([^/]+)\//.exec(path);
  return m ? m[1]! : null;
}

/** Resolve a relative specifier (repo-relative result), trying the extensionless and folder forms. */
function resolveRelative(from: string, specifier: string, known: ReadonlySet<string>): string {
  const raw = posix.normalize(posix.join(posix.dirname(from), specifier));
  for (const candidate of [raw, `${raw}.ts`, `${raw}/index.ts`]) if (known.has(candidate)) return candidate;
  return raw;
}

/**
 * All rule violations in `files` (repo-relative path -> source text), one human-readable line each:
 * `src/a/b.ts imports src/x/y.ts (a -> x not allowed)`.
 */
function findViolations(files: ReadonlyMap<string, string>): string[] {
  const known = new Set(files.keys());
  const violations: string[] = [];
  for (const [file, source] of files) {
    const from = areaOf(file);
    if (from === null) continue;
    for (const { specifier, line } of extractImports(file, source)) {
      const at = `${file}:${line}`;
      if (specifier === "bun:sqlite") {
        if (!mayImportSqlite(file)) violations.push(`${at} imports bun:sqlite (${SQLITE_RULE})`);
        continue;
      }
      let target: string;
      if (specifier === PACKAGE_NAME) target = FACADE;
      else if (specifier.startsWith("./") || specifier.startsWith("../")) target = resolveRelative(file, specifier, known);
      else continue; // a package or builtin
      const to = areaOf(target);
      if (to === from) continue;
      if (to === null) {
        const outside = target.split("/")[0]!;
        if (!target.startsWith("src/") && (ALLOWED[from] ?? []).includes(`../${outside}`)) continue;
        violations.push(`${at} imports ${target} (${from} -> ${target.startsWith("src/") ? target : outside} not allowed)`);
        continue;
      }
      if (!(ALLOWED[from] ?? []).includes(to)) {
        violations.push(`${at} imports ${target} (${from} -> ${to} not allowed)`);
        continue;
      }
      if (to !== "index" && target !== `src/${to}/index.ts`) {
        violations.push(`${at} imports ${target} (${from} -> ${to} must go through src/${to}/index.ts)`);
      }
    }
  }
  return violations;
}

/** Why a file lacks a leading module comment, or null when it has one. */
function moduleCommentProblem(source: string): string | null {
  const body = source.startsWith("#!") ? source.slice(source.indexOf("\n") + 1) : source;
  if (body.startsWith("/**") || body.startsWith("//")) return null;
  return `starts with ${JSON.stringify(body.slice(0, 40))} instead of a /** or // module comment`;
}

function loadSources(): Map<string, string> {
  const files = new Map<string, string>();
  for (const rel of new Bun.Glob("src/**/*.{ts,tsx,mts,cts}").scanSync({ cwd: ROOT })) {
    const path = rel.split("\\").join("/");
    if (/\.test\.[cm]?tsx?$/.test(path)) continue;
    files.set(path, readFileSync(join(ROOT, path), "utf8"));
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

describe("architecture of src/", () => {
  const sources = loadSources();
  const violations = findViolations(sources);

  test("the scan sees the source tree", () => {
    expect(sources.size).toBeGreaterThan(20);
    for (const folder of ["core", "plan", "state", "operators", "connectors", "runtime", "api", "cli"]) {
      expect([...sources.keys()].some((p) => p.startsWith(`src/${folder}/`))).toBe(true);
    }
    expect(sources.has(FACADE)).toBe(true);
    // Top-level folders must be ones the dependency table knows.
    const unknown = [...new Set([...sources.keys()].map(areaOf))].filter((a) => a === null || !(a in ALLOWED));
    expect(unknown).toEqual([]);
    const importCount = [...sources].reduce((n, [file, src]) => n + extractImports(file, src).length, 0);
    expect(importCount).toBeGreaterThan(50);
  });

  test("folders import only what the dependency table allows", () => {
    expect(violations.filter((v) => v.endsWith("not allowed)"))).toEqual([]);
  });

  test("nothing imports cli/ or web/ (except cli importing web)", () => {
    expect(violations.filter((v) => / imports src\/(cli|web)\//.test(v))).toEqual([]);
  });

  test("cross-folder imports go through the folder's index.ts", () => {
    expect(violations.filter((v) => v.includes("must go through"))).toEqual([]);
  });

  test("only src/state/sqlite/ and src/cluster/jobmanager/job-store.ts import bun:sqlite", () => {
    expect(violations.filter((v) => v.includes("bun:sqlite"))).toEqual([]);
  });

  test("no violations of any kind", () => {
    expect(violations).toEqual([]);
  });

  test("every src file opens with a module comment", () => {
    const missing = [...sources].flatMap(([file, src]) => {
      const problem = moduleCommentProblem(src);
      return problem === null ? [] : [`${file} ${problem}`];
    });
    expect(missing).toEqual([]);
  });
});

describe("the architecture checker itself", () => {
  const check = (files: Record<string, string>): string[] => findViolations(new Map(Object.entries(files)));

  test("extracts static, type-only, re-export, dynamic and require specifiers but not comments or strings", () => {
    const src = [
      `import { a } from "./a.ts";`,
      `import type { B } from "../b/index.ts";`,
      `import "./side-effect.ts";`,
      `export * from "./c.ts";`,
      `export { d } from "./d.ts";`,
      `export type { E } from "./e.ts";`,
      `const f = await import("./f.ts");`,
      `const g = require("./g.ts");`,
      `type H = typeof import("./h.ts");`,
      `// import { no } from "./comment.ts";`,
      `/** @example import { no } from "./doc.ts"; */`,
      `const s = 'import { no } from "./string.ts"';`,
      `const dyn = await import(someVariable);`,
    ].join("\n");
    expect(extractImports("x.ts", src).map((i) => i.specifier)).toEqual([
      "./a.ts",
      "../b/index.ts",
      "./side-effect.ts",
      "./c.ts",
      "./d.ts",
      "./e.ts",
      "./f.ts",
      "./g.ts",
      "./h.ts",
    ]);
  });

  test("detects a forbidden folder import, with file, line and the rule", () => {
    const v = check({
      "src/core/ids.ts": `// ids\nimport { x } from "../runtime/index.ts";`,
      "src/runtime/index.ts": `// runtime`,
    });
    expect(v).toEqual(["src/core/ids.ts:2 imports src/runtime/index.ts (core -> runtime not allowed)"]);
  });

  test("detects type-only and dynamic forbidden imports", () => {
    const v = check({
      "src/operators/a.ts": `import type { T } from "../runtime/index.ts";\nconst m = await import("../cluster/index.ts");`,
    });
    expect(v).toEqual([
      "src/operators/a.ts:1 imports src/runtime/index.ts (operators -> runtime not allowed)",
      "src/operators/a.ts:2 imports src/cluster/index.ts (operators -> cluster not allowed)",
    ]);
  });

  test("detects cross-folder imports that bypass index.ts, also when extensionless", () => {
    const v = check({
      "src/plan/a.ts": `import { E } from "../core/errors.ts";\nimport { F } from "../core";\nimport { G } from "../core/ids";`,
      "src/core/index.ts": "",
      "src/core/ids.ts": "",
    });
    expect(v).toEqual(["src/plan/a.ts:1 imports src/core/errors.ts (plan -> core must go through src/core/index.ts)", "src/plan/a.ts:3 imports src/core/ids.ts (plan -> core must go through src/core/index.ts)"]);
  });

  test("detects bun:sqlite outside state/sqlite/ and the job store, and allows it in exactly those", () => {
    const rule = "only src/state/sqlite/ and src/cluster/jobmanager/job-store.ts may";
    const v = check({
      "src/state/sqlite/backend.ts": `import { Database } from "bun:sqlite";`,
      "src/cluster/jobmanager/job-store.ts": `import { Database } from "bun:sqlite";`,
      "src/state/memory/backend.ts": `import { Database } from "bun:sqlite";`,
      "src/cluster/jobmanager/job-master.ts": `import { Database } from "bun:sqlite";`,
      "src/cluster/jobmanager/job-store.ts.d/x.ts": `import { Database } from "bun:sqlite";`,
      "src/cluster/job-store.ts": `import { Database } from "bun:sqlite";`,
    });
    expect(v).toEqual([
      `src/state/memory/backend.ts:1 imports bun:sqlite (${rule})`,
      `src/cluster/jobmanager/job-master.ts:1 imports bun:sqlite (${rule})`,
      `src/cluster/jobmanager/job-store.ts.d/x.ts:1 imports bun:sqlite (${rule})`,
      `src/cluster/job-store.ts:1 imports bun:sqlite (${rule})`,
    ]);
  });

  test("guards cli/, web/, the facade and the package name", () => {
    const v = check({
      "src/runtime/a.ts": `import { x } from "../cli/index.ts";\nimport { y } from "bicycle";`,
      "src/api/a.ts": `import { z } from "../web/index.ts";\nimport { w } from "../index.ts";`,
      "src/cli/main.ts": `import { a } from "../web/index.ts";\nimport { b } from "../index.ts";\nimport { c } from "bicycle";`,
      "src/index.ts": `export * from "./api/index.ts";\nexport * from "./sql/index.ts";`,
    });
    expect(v).toEqual([
      "src/runtime/a.ts:1 imports src/cli/index.ts (runtime -> cli not allowed)",
      "src/runtime/a.ts:2 imports src/index.ts (runtime -> index not allowed)",
      "src/api/a.ts:1 imports src/web/index.ts (api -> web not allowed)",
      "src/api/a.ts:2 imports src/index.ts (api -> index not allowed)",
      "src/index.ts:2 imports src/sql/index.ts (index -> sql not allowed)",
    ]);
  });

  test("allows same-folder imports, packages, and sql -> ../grammar only", () => {
    const v = check({
      "src/core/a.ts": `import { b } from "./nested/b.ts";\nimport { z } from "zod";\nimport { join } from "node:path";`,
      "src/sql/binder.ts": `import { parser } from "../../grammar/parser.ts";\nimport { P } from "../plan/index.ts";`,
      "src/api/a.ts": `import { parser } from "../../grammar/parser.ts";`,
    });
    expect(v).toEqual(["src/api/a.ts:1 imports grammar/parser.ts (api -> grammar not allowed)"]);
  });

  test("recognises module comments", () => {
    expect(moduleCommentProblem("/**\n * @module x\n */\nexport {};")).toBeNull();
    expect(moduleCommentProblem("// x\nexport {};")).toBeNull();
    expect(moduleCommentProblem("#!/usr/bin/env bun\n/** main */\n")).toBeNull();
    expect(moduleCommentProblem("#!/usr/bin/env bun\nimport x from 'y';")).not.toBeNull();
    expect(moduleCommentProblem("import x from 'y';\n/** late */")).not.toBeNull();
    expect(moduleCommentProblem("\n/** blank line first */")).not.toBeNull();
  });
});
