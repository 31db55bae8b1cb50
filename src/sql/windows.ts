/**
 * @module sql/windows
 * Window arguments of the SQL front end: the TVF column names, INTERVAL arguments, and the assigner
 * spec (the API's window assigners) a TUMBLE / HOP / SESSION call stands for.
 */
import type { WindowAssignerSpec } from "../operators/index.ts";
import { session, sliding, tumbling } from "../operators/index.ts";
import type { AstExpr, Pos } from "./ast.ts";
import { exprPos } from "./cst-to-ast.ts";
import { SqlError } from "./errors.ts";

export const WINDOW_START = "window_start";
export const WINDOW_END = "window_end";
export const WINDOW_TIME = "window_time";

export function intervalArg(a: AstExpr, fn: string): number {
  if (a.k !== "interval") throw new SqlError(`${fn} window sizes must be INTERVAL literals, e.g. INTERVAL '10' SECOND`, exprPos(a));
  if (a.ms <= 0) throw new SqlError(`${fn} window sizes must be positive`, a.pos);
  return a.ms;
}

export function toAssigner(fn: "TUMBLE" | "HOP" | "SESSION", intervals: readonly number[], pos: Pos): WindowAssignerSpec {
  try {
    if (fn === "TUMBLE") return tumbling(intervals[0]!);
    if (fn === "SESSION") return session(intervals[0]!);
    const [slide, size] = intervals as [number, number];
    if (size % slide !== 0) throw new SqlError(`HOP size (${size} ms) must be a multiple of its slide (${slide} ms)`, pos);
    return sliding(size, slide);
  } catch (error) {
    if (error instanceof SqlError) throw error;
    throw new SqlError((error as Error).message, pos);
  }
}

export function describeWindow(a: WindowAssignerSpec, mode: string): string {
  if (mode === "cascade") return "window_end";
  if (a.type === "tumbling") return `TUMBLE ${a.sizeMs} ms`;
  if (a.type === "sliding") return `HOP ${a.slideMs}/${a.sizeMs} ms`;
  return `SESSION gap ${a.gapMs} ms`;
}
