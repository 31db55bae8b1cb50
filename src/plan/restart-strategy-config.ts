/**
 * @module plan/restart-strategy-config
 * The restart strategy part of a job's configuration (zod schema). It lives in plan/ because both the
 * API (which validates job options) and the runtime (which applies the strategy) need it.
 */
import { z } from "zod";

const count = z.number().int().nonnegative();
const millis = z.number({ error: "expected milliseconds" }).int().nonnegative();

export const restartStrategyConfigSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("fixed-delay"), attempts: count, delayMs: millis }).strict(),
  z
    .object({
      type: z.literal("exponential-delay"),
      initialMs: millis,
      maxMs: millis,
      multiplier: z.number().min(1),
      /** Reset the backoff after the job ran this long without failing (Flink's reset-backoff-threshold). */
      resetAfterMs: millis.optional(),
      /** Restarts allowed between two resets (default 10): library code never retries forever. */
      attempts: count.optional(),
    })
    .strict()
    .refine((c) => c.maxMs >= c.initialMs, { message: "maxMs must be at least initialMs", path: ["maxMs"] }),
  z.object({ type: z.literal("none") }).strict(),
]);

export type RestartStrategyConfig = z.infer<typeof restartStrategyConfigSchema>;
