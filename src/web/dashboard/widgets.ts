/**
 * @module web/dashboard/widgets
 * Small pieces several pages share: a job state badge, a link to a job, a stat card.
 */
import { h, type Child } from "./dom.ts";

export function stateBadge(state: string): HTMLElement {
  return h("span", { class: `badge state-${state}` }, state.toUpperCase());
}

export function jobLink(jobId: string, name: string): HTMLElement {
  return h("a", { href: `#/jobs/${encodeURIComponent(jobId)}`, class: "job-link", "data-job": jobId }, name);
}

export function statCard(label: string, value: Child, testId: string): HTMLElement {
  return h("div", { class: "card stat", "data-stat": testId }, h("div", { class: "stat-value" }, value), h("div", { class: "stat-label" }, label));
}

export const shortId = (id: string): string => id.slice(0, 8);
