/**
 * @module web/dashboard/chart
 * A live records/s line chart (uPlot, bundled into the page: no CDN). Redraws from the shell's history
 * on each poll and follows its container's width.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import * as fmt from "./format.ts";

export class RateChart {
  private readonly plot: uPlot;
  private readonly resize: ResizeObserver;

  constructor(container: HTMLElement, label: string) {
    const opts: uPlot.Options = {
      width: Math.max(300, container.clientWidth),
      height: 220,
      series: [{}, { label, stroke: "#2f6fdb", fill: "rgba(47,111,219,0.12)", width: 2, value: (_u, v) => (v === null ? "-" : fmt.rate(v)) }],
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => fmt.rate(t)), size: 80 }],
      scales: { y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
      legend: { show: true },
    };
    this.plot = new uPlot(opts, [[], []], container);
    this.resize = new ResizeObserver(() => this.plot.setSize({ width: Math.max(300, container.clientWidth), height: 220 }));
    this.resize.observe(container);
  }

  /** Redraws with `times` (epoch ms) and `values` (records/s). */
  update(times: readonly number[], values: readonly number[]): void {
    this.plot.setData([times.map((t) => t / 1000), [...values]]);
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot.destroy();
  }
}
