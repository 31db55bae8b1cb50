/**
 * Click sessions per user with event-time session windows (gap 30 s), 5 s of allowed lateness, and
 * records later than that sent to a side output instead of being lost.
 * Run it: `bun run bicycle run examples/sessions.ts`
 */
import { boundedOutOfOrderness, EventTimeSessionWindows, OutputTag, type StreamEnvironment } from "bicycle";

interface Click {
  readonly user: string;
  readonly page: string;
  readonly ts: number;
}

const CLICKS: Click[] = [
  { user: "ann", page: "/", ts: 0 },
  { user: "bob", page: "/", ts: 2_000 },
  { user: "ann", page: "/docs", ts: 10_000 },
  { user: "ann", page: "/docs/api", ts: 25_000 },
  { user: "bob", page: "/blog", ts: 90_000 },
  { user: "ann", page: "/", ts: 120_000 },
  { user: "bob", page: "/late", ts: 1_000 }, // far behind the watermark: goes to the side output
  { user: "bob", page: "/", ts: 200_000 },
];

export default function sessions(env: StreamEnvironment): void {
  const late = new OutputTag<Click>("late-clicks");
  const perSession = env
    .fromElements(CLICKS, { timestamps: (c) => c.ts, watermarks: boundedOutOfOrderness(1_000), batchSize: 1 })
    .keyBy((c) => c.user)
    .window(EventTimeSessionWindows.withGap(30_000))
    .allowedLateness(5_000)
    .sideOutputLateData(late)
    .process<string>(({ key, window }, clicks, out) =>
      out.collect(`${key}: ${clicks.length} clicks in [${window.start / 1000}s, ${window.end / 1000}s) ${clicks.map((c) => c.page).join(" ")}`),
    );
  perSession.print();
  perSession
    .getSideOutput(late)
    .map((c) => `late click dropped from sessions: ${c.user} ${c.page} at ${c.ts / 1000}s`)
    .print();
}
