/**
 * Sub-plan reuse (src/sql/sub-plan-reuse.ts): a subquery named twice is computed once, the results do
 * not change (compared with the same query planned without reuse, which computes both copies), and
 * the cases that must not merge stay apart: UNION ALL of one subquery, sinks, uids, CURRENT_TIMESTAMP.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LogicalPlan, PlanNode } from "../../src/plan/index.ts";
import { reuseSubPlans } from "../../src/sql/sub-plan-reuse.ts";
import { planJob, runSql, type SqlRow } from "./run-sql.ts";

const Q5 = readFileSync(join(import.meta.dir, "../../examples/nexmark/q5.sql"), "utf8");
const NO_REUSE = "SET 'table.optimizer.reuse-sub-plan-enabled' = 'false';\n";
const kinds = (plan: LogicalPlan) => plan.nodes.map((n) => n.kind);
const sorted = (rows: SqlRow[]) => rows.map((r) => JSON.stringify(r)).sort();

describe("Nexmark q5", () => {
  test("the bid counts per auction and window are computed once: one generator, one HOP aggregate", () => {
    const reused = planJob(Q5, { nexmark: { events: 1000 } }).plan;
    const copied = planJob(NO_REUSE + Q5, { nexmark: { events: 1000 } }).plan;
    expect(kinds(copied).filter((k) => k === "source:nexmark")).toHaveLength(2);
    expect(kinds(reused).filter((k) => k === "source:nexmark")).toHaveLength(1);
    const hops = (p: LogicalPlan) => p.nodes.filter((n) => n.kind === "window" && (n.config["assigner"] as { type: string }).type === "sliding");
    expect(hops(copied)).toHaveLength(2);
    expect(hops(reused)).toHaveLength(1);
    expect(reused.nodes).toHaveLength(copied.nodes.length - 2);
    // The one aggregate feeds both the join's left side and the per-window MAX.
    expect(reused.edges.filter((e) => e.source === hops(reused)[0]!.id)).toHaveLength(2);
    // Surviving nodes keep their ids (state mapping of the rest of the plan is unchanged).
    const ids = new Set(copied.nodes.map((n) => n.id));
    for (const n of reused.nodes) expect(ids.has(n.id)).toBe(true);
  });

  for (const parallelism of [1, 2]) {
    test(`the same rows as without reuse (parallelism ${parallelism})`, async () => {
      const options = { parallelism, nexmark: { events: 100_000, rate: 1000 } };
      const [reused, copied] = await Promise.all([runSql(Q5, options), runSql(NO_REUSE + Q5, options)]);
      expect(reused.length).toBeGreaterThan(40);
      expect(sorted(reused)).toEqual(sorted(copied));
    });
  }
});

describe("what is not merged", () => {
  test("UNION ALL of one subquery keeps both branches into the union (the shared generator may merge), so every row comes twice", async () => {
    const one = "SELECT auction, price FROM bid WHERE price > 5000000";
    const options = { nexmark: { events: 20_000 } };
    const plan = planJob(`${one} UNION ALL ${one}`, options).plan;
    expect(kinds(plan).filter((k) => k === "source:nexmark")).toHaveLength(1);
    const union = plan.nodes.find((n) => n.kind === "identity")!;
    expect(plan.edges.filter((e) => e.target === union.id).map((e) => e.source)).toEqual(["sql-calc-2", "sql-calc-4"]);
    const [single, twice] = await Promise.all([runSql(one, options), runSql(`${one} UNION ALL ${one}`, options)]);
    expect(single.length).toBeGreaterThan(0);
    expect(sorted(twice)).toEqual(sorted([...single, ...single]));
  });

  const node = (id: string, kind: string, config: Record<string, unknown> = {}, extra: Partial<PlanNode> = {}): PlanNode => ({ id, kind, name: kind, parallelism: 1, config: config as PlanNode["config"], ...extra });
  const plan = (nodes: PlanNode[], edges: [string, string][]): LogicalPlan => ({ name: "t", maxParallelism: 128, nodes, edges: edges.map(([source, target]) => ({ source, target, partitioning: "forward" })) });

  test("identical chains collapse from the source down; identical sinks stay", () => {
    const p = plan(
      [node("s1", "source:x"), node("c1", "sql:calc", { p: 1 }), node("k1", "sink:x"), node("s2", "source:x"), node("c2", "sql:calc", { p: 1 }), node("k2", "sink:x")],
      [["s1", "c1"], ["c1", "k1"], ["s2", "c2"], ["c2", "k2"]],
    );
    const r = reuseSubPlans(p);
    expect(r.nodes.map((n) => n.id)).toEqual(["s1", "c1", "k1", "k2"]);
    expect(r.edges).toEqual([
      { source: "s1", target: "c1", partitioning: "forward" },
      { source: "c1", target: "k1", partitioning: "forward" },
      { source: "c1", target: "k2", partitioning: "forward" },
    ]);
    expect(p.nodes).toHaveLength(6); // the input plan is not changed
  });

  test("different configs, uids and CURRENT_TIMESTAMP keep their copies", () => {
    const now = { projection: [{ name: "t", expr: { k: "call", fn: "current_timestamp", args: [] } }] };
    const p = plan(
      [node("s", "source:x"), node("a", "sql:calc", { p: 1 }), node("b", "sql:calc", { p: 2 }), node("u1", "map", {}, { uid: "u1" }), node("u2", "map", {}, { uid: "u2" }), node("n1", "sql:calc", now), node("n2", "sql:calc", now), node("k", "sink:x")],
      [["s", "a"], ["s", "b"], ["s", "u1"], ["s", "u2"], ["s", "n1"], ["s", "n2"], ["a", "k"], ["b", "k"], ["u1", "k"], ["u2", "k"], ["n1", "k"], ["n2", "k"]],
    );
    expect(reuseSubPlans(p).nodes).toHaveLength(8);
  });
});
