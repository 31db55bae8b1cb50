/**
 * @module web/dashboard/dag
 * Draws a job's DAG as SVG: one box per vertex (its chained operators' names, parallelism, records/s),
 * coloured by backpressure the way Flink's web UI does (OK up to 10%, LOW up to 50%, HIGH above), and
 * arrows labelled with the edge's partitioning. Layout: a vertex's column is the longest path from a
 * source to it, so every edge points right; rows follow the plan's vertex order.
 */
import type { Plan } from "./api.ts";
import { s } from "./dom.ts";
import * as fmt from "./format.ts";

/** What the DAG shows live per vertex. */
export interface VertexLive {
  readonly recordsPerSecond: number;
  /** The highest backpressure ratio among the vertex's tasks, 0..1. */
  readonly backpressure: number;
}

const BOX_W = 250;
const BOX_H = 74;
const GAP_X = 90;
const GAP_Y = 28;
const PAD = 16;

export type BackpressureLevel = "ok" | "low" | "high";

export function backpressureLevel(ratio: number): BackpressureLevel {
  if (ratio > 0.5) return "high";
  if (ratio > 0.1) return "low";
  return "ok";
}

/** Column of each vertex: longest path from any source (vertices without inputs are column 0). */
function columns(plan: Plan): Map<string, number> {
  const inputs = new Map<string, string[]>();
  for (const v of plan.vertices) inputs.set(v.id, []);
  for (const e of plan.edges) inputs.get(e.target)?.push(e.source);
  const column = new Map<string, number>();
  const visiting = new Set<string>();
  const depth = (id: string): number => {
    const known = column.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0; // a cycle cannot come from the planner; draw it rather than loop
    visiting.add(id);
    const d = Math.max(-1, ...(inputs.get(id) ?? []).map(depth)) + 1;
    visiting.delete(id);
    column.set(id, d);
    return d;
  };
  for (const v of plan.vertices) depth(v.id);
  return column;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The DAG as an <svg> element. `live` may miss vertices (no sample yet). */
export function drawDag(plan: Plan, live: ReadonlyMap<string, VertexLive>): SVGSVGElement {
  const column = columns(plan);
  const rowsUsed = new Map<number, number>();
  const at = new Map<string, { x: number; y: number }>();
  for (const v of plan.vertices) {
    const c = column.get(v.id) ?? 0;
    const r = rowsUsed.get(c) ?? 0;
    rowsUsed.set(c, r + 1);
    at.set(v.id, { x: PAD + c * (BOX_W + GAP_X), y: PAD + r * (BOX_H + GAP_Y) });
  }
  const cols = Math.max(1, ...[...column.values()].map((c) => c + 1));
  const rows = Math.max(1, ...rowsUsed.values());
  const width = PAD * 2 + cols * BOX_W + (cols - 1) * GAP_X;
  const height = PAD * 2 + rows * BOX_H + (rows - 1) * GAP_Y;

  const svg = s("svg", { class: "dag", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "job graph" });
  svg.append(
    s("defs", {}, s("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "dag-arrow" }))),
  );
  for (const e of plan.edges) {
    const a = at.get(e.source);
    const b = at.get(e.target);
    if (a === undefined || b === undefined) continue;
    const x1 = a.x + BOX_W;
    const y1 = a.y + BOX_H / 2;
    const x2 = b.x;
    const y2 = b.y + BOX_H / 2;
    const mid = (x1 + x2) / 2;
    const label = e.sideOutput === undefined ? e.partitioning.toUpperCase() : `${e.partitioning.toUpperCase()} (${e.sideOutput})`;
    svg.append(
      s("g", { class: "dag-edge", "data-source": e.source, "data-target": e.target },
        s("path", { d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`, "marker-end": "url(#arrow)" }),
        s("text", { x: mid, y: (y1 + y2) / 2 - 6, "text-anchor": "middle" }, label),
      ),
    );
  }
  for (const v of plan.vertices) {
    const p = at.get(v.id)!;
    const l = live.get(v.id);
    const level = backpressureLevel(l?.backpressure ?? 0);
    const title = v.operators.map((o) => o.name).join(" → ");
    svg.append(
      s("g", { class: `dag-vertex bp-${level}`, "data-vertex": v.id, transform: `translate(${p.x} ${p.y})` },
        s("title", {}, `${title}\nbackpressure ${fmt.percent(l?.backpressure ?? 0)} (${level.toUpperCase()})`),
        s("rect", { width: BOX_W, height: BOX_H, rx: 6 }),
        s("text", { x: 10, y: 20, class: "dag-name" }, clip(v.name, 30)),
        s("text", { x: 10, y: 40, class: "dag-info" }, `parallelism ${v.parallelism} · ${v.operators.length} operator${v.operators.length === 1 ? "" : "s"}`),
        s("text", { x: 10, y: 60, class: "dag-rate" }, `${l === undefined ? "-" : fmt.rate(l.recordsPerSecond)} · bp ${fmt.percent(l?.backpressure ?? 0)}`),
      ),
    );
  }
  return svg;
}
