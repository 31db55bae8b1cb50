/**
 * @module bench/stats
 * What the benchmarks share to report: the median of runs (the upper middle one for an even count,
 * always a measured value) and events/s written as "4.59 M" or "685 k".
 */

/** The median of `xs` (for an even count, the upper of the two middle values). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A rate as "4.59 M" (from a million up) or "685 k". */
export const formatRate = (r: number): string => (r >= 1e6 ? `${(r / 1e6).toFixed(2)} M` : `${Math.round(r / 1e3)} k`);
