/**
 * Clicks per user and minute, from the Kafka topic `clicks` to `clicks-per-minute`, exactly once.
 * Try it: `scripts/kafka.sh start`, create both topics, produce JSON clicks ({user, page, ts}), then
 * `bun run bicycle run examples/kafka-clicks.ts --checkpoint-interval 10000`.
 */
import { boundedOutOfOrderness, TumblingEventTimeWindows, type StreamEnvironment } from "bicycle";
import { z } from "zod";

const Click = z.object({ user: z.string(), page: z.string(), ts: z.number() });
type Click = z.infer<typeof Click>;

export default function clicks(env: StreamEnvironment): void {
  env
    .fromKafka<Click>({
      connection: { bootstrapServers: "127.0.0.1:9092" },
      topics: ["clicks"],
      format: "json",
      schema: Click,
      startFrom: "earliest",
      timestamps: (c) => c.ts,
      watermarks: boundedOutOfOrderness(1000).withIdleness(10_000),
    })
    .keyBy((c) => c.user)
    .window(TumblingEventTimeWindows.of(60_000))
    .count()
    .sinkToKafka({
      connection: { bootstrapServers: "127.0.0.1:9092" },
      topic: "clicks-per-minute",
      delivery: "exactly-once",
      transactionalIdPrefix: "clicks-per-minute",
      key: (r) => r.key,
    });
}
