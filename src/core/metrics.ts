/**
 * @module core/metrics
 * Plain counters and gauges kept by the engine. They are ordinary numbers incremented by batch size
 * on the hot path; reporters (REST, Prometheus) read them at scrape time.
 */

export class Counter {
  count = 0;
  inc(n = 1): void {
    this.count += n;
  }
}

/** Metrics of one operator subtask. Names are declared in runtime/events.ts. */
export class MetricGroup {
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, () => number>();

  constructor(readonly scope: Readonly<Record<string, string | number>>) {}

  counter(name: string): Counter {
    let c = this.counters.get(name);
    if (c === undefined) {
      c = new Counter();
      this.counters.set(name, c);
    }
    return c;
  }

  gauge(name: string, read: () => number): void {
    this.gauges.set(name, read);
  }

  /** A point-in-time copy of every counter and gauge. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, c] of this.counters) out[name] = c.count;
    for (const [name, read] of this.gauges) out[name] = read();
    return out;
  }
}
