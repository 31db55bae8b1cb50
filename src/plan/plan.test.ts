/** Tests of the logical plan: JSON round trip, validation errors, chaining into vertices, EXPLAIN text, plan hash. */
import { describe, expect, test } from "bun:test";
import { buildJobGraph, explainJobGraph, parsePlan, planHash, type LogicalPlan } from "./index.ts";

function samplePlan(): LogicalPlan {
  return {
    name: "sample",
    maxParallelism: 128,
    nodes: [
      { id: "src", kind: "source:elements", name: "Source", parallelism: 2, config: { batchSize: 10 } },
      { id: "map", kind: "map", name: "Map", parallelism: 2, config: {} },
      { id: "win", kind: "window", name: "Window", parallelism: 4, config: { assigner: { type: "tumbling", sizeMs: 5, offsetMs: 0 } }, key: { type: "udf" } },
      { id: "late", kind: "identity", name: "Late", parallelism: 4, config: {} },
      { id: "sink", kind: "sink:print", name: "Print", parallelism: 4, config: {} },
    ],
    edges: [
      { source: "src", target: "map", partitioning: "forward" },
      { source: "map", target: "win", partitioning: "hash" },
      { source: "win", target: "sink", partitioning: "forward" },
      { source: "win", target: "late", partitioning: "forward", sideOutput: "late" },
    ],
  };
}

describe("logical plan", () => {
  test("round-trips through JSON unchanged", () => {
    const plan = samplePlan();
    const back = parsePlan(JSON.parse(JSON.stringify(plan)));
    expect(back).toEqual(plan);
    expect(planHash(back)).toBe(planHash(plan));
  });

  test("rejects malformed plan JSON naming the path", () => {
    expect(() => parsePlan({ name: "x", maxParallelism: 128, nodes: [{ id: "a", kind: "map", name: "A", parallelism: 0, config: {} }], edges: [] })).toThrow(
      /nodes\.0\.parallelism/,
    );
    expect(() => parsePlan({ name: "x" })).toThrow(/invalid plan/);
  });

  test("rejects structural problems with clear messages", () => {
    const dup = samplePlan();
    dup.nodes.push({ ...dup.nodes[0]! });
    expect(() => parsePlan(dup)).toThrow(/duplicate node id 'src'/);

    const badForward = samplePlan();
    badForward.edges[0] = { source: "src", target: "win", partitioning: "forward" };
    expect(() => parsePlan(badForward)).toThrow(/forward edge Source -> Window joins parallelism 2 to 4/);

    const unkeyed = samplePlan();
    unkeyed.edges.push({ source: "map", target: "sink", partitioning: "hash" });
    expect(() => parsePlan(unkeyed)).toThrow(/hash edge into 'Print', which has no key/);

    const cyclic = samplePlan();
    cyclic.edges.push({ source: "sink", target: "map", partitioning: "rebalance" });
    expect(() => parsePlan(cyclic)).toThrow(/cycle/);

    const unknown = samplePlan();
    unknown.edges.push({ source: "nope", target: "map", partitioning: "rebalance" });
    expect(() => parsePlan(unknown)).toThrow(/unknown node 'nope'/);
  });

  test("chains forward edges of equal parallelism into one vertex", () => {
    const graph = buildJobGraph(samplePlan());
    expect(graph.vertices.map((v) => v.nodeIds)).toEqual([["src", "map"], ["win", "sink", "late"]]);
    expect(graph.edges).toHaveLength(1);
    expect(graph.edges[0]).toMatchObject({ sourceVertex: "src", targetVertex: "win", partitioning: "hash" });
    expect(graph.chainedEdges.map((e) => `${e.source}->${e.target}`)).toEqual(["src->map", "win->sink", "win->late"]);
  });

  test("without chaining every operator is its own vertex", () => {
    const graph = buildJobGraph(samplePlan(), { chaining: false });
    expect(graph.vertices).toHaveLength(5);
    expect(graph.edges).toHaveLength(4);
  });

  test("explain prints vertices, operators, parallelism and edges", () => {
    const text = explainJobGraph(buildJobGraph(samplePlan()));
    expect(text).toContain("Job 'sample' (maxParallelism 128)");
    expect(text).toContain("[src] parallelism=2");
    expect(text).toContain("--hash--> [win]");
    expect(text).toContain("Map (map)");
  });

  test("plan hash changes with the structure but not with parallelism", () => {
    const a = samplePlan();
    const rescaled = samplePlan();
    for (const n of rescaled.nodes) n.parallelism = 8;
    expect(planHash(rescaled)).toBe(planHash(a));
    const otherKind = samplePlan();
    otherKind.nodes[1]!.kind = "filter";
    expect(planHash(otherKind)).not.toBe(planHash(a));
    const otherEdge = samplePlan();
    otherEdge.edges[0]!.partitioning = "rebalance";
    expect(planHash(otherEdge)).not.toBe(planHash(a));
  });
});
