/**
 * @module sql/errors
 * SqlError: every problem with a statement (syntax, unknown names, types, unsupported forms) becomes
 * one of these, a user error whose message starts with the position: `line 1, column 15: unknown column
 * 'pricee' (did you mean 'price'?)`. `didYouMean` picks the closest known name by edit distance.
 */
import { BicycleError } from "../core/index.ts";
import type { Pos } from "./ast.ts";

export class SqlError extends BicycleError {
  constructor(
    message: string,
    readonly pos: Pos | null = null,
  ) {
    super(pos === null ? message : `line ${pos.line}, column ${pos.column}: ${message}`, { code: "SQL_INVALID", domain: "user" });
  }
}

/** Edit distance (Levenshtein plus adjacent swaps), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  let prevPrev = prev;
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
      // a swap of two neighbours is one edit ('inptu' -> 'input')
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) cur[j] = Math.min(cur[j]!, prevPrev[j - 2]! + 1);
    }
    prevPrev = prev;
    prev = cur;
  }
  return prev[t.length]!;
}

/**
 * ` (did you mean 'x'?)` for the candidate closest to `name` when it is close enough (at most a third
 * of the name's length in edits, or differing only in case), else ` (known: a, b, c)` for short lists.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const all = [...new Set(candidates)];
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of all) {
    const d = distance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best !== null && (bestDistance <= Math.max(1, Math.floor(name.length / 3)) || best.toLowerCase() === name.toLowerCase())) return ` (did you mean '${best}'?)`;
  if (all.length > 0 && all.length <= 8) return ` (known: ${all.join(", ")})`;
  return "";
}
