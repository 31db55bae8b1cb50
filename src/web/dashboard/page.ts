/**
 * @module web/dashboard/page
 * What every dashboard page is to the shell (main.ts): it renders into its root and refreshes on every
 * poll. The shell owns the poll loop, the cluster-wide records/s history and the message bar.
 */
import type { JobRow } from "./api.ts";

export interface Page {
  /** Fetches and redraws; the shell calls it once a second while the page is shown. */
  refresh(nowMs: number): Promise<void>;
  dispose?(): void;
}

/** Records/s over time, summed over every job's sources (sampled by the shell on every poll). */
export interface RateHistory {
  readonly times: readonly number[];
  readonly values: readonly number[];
}

export interface Shell {
  readonly history: RateHistory;
  /** The latest job list (the shell polls it for the history anyway). */
  readonly jobs: readonly JobRow[];
  navigate(hash: string): void;
  /** A message in the bar above the page. */
  flash(text: string, kind: "info" | "error"): void;
}

export type PageFactory = (root: HTMLElement, shell: Shell, param: string | undefined) => Page;
