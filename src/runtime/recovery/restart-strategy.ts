/**
 * @module runtime/recovery/restart-strategy
 * Restart strategies (after Flink's fixed-delay, exponential-delay and none): pure decisions whether and
 * when a failed job restarts. Time comes in as `now`; the caller owns the timer.
 *
 * Which errors restart (STYLE §4):
 * - a BicycleError (or a look-alike from a job bundle's own copy of core) restarts iff `retriable`;
 *   user-function faults arrive as JobError (retriable), so a TypeError in a map restarts;
 * - an unwrapped TypeError, RangeError, SyntaxError, ReferenceError, EvalError or URIError is a bug in
 *   Bicycle itself and never restarts;
 * - anything else (an OS error, a plain Error, a thrown string) is assumed transient and restarts.
 * A refusal does not use up an attempt.
 *
 * Exponential backoff: delays are initialMs, initialMs·multiplier, … capped at maxMs. With
 * `resetAfterMs`, a job that ran that long since its last (re)start — `onRunning(now)`, or the planned
 * restart time when the caller never reports it — starts over at initialMs with a fresh attempt budget,
 * like Flink's `reset-backoff-threshold`. Fixed-delay attempts count over the job's whole life.
 */
import { ConfigError, describeError } from "../../core/index.ts";
import { restartStrategyConfigSchema, type RestartStrategyConfig } from "../../plan/index.ts";

export { restartStrategyConfigSchema, type RestartStrategyConfig } from "../../plan/index.ts";

export const DEFAULT_EXPONENTIAL_ATTEMPTS = 10;

export type RestartDecision =
  | { readonly restart: true; readonly delayMs: number; readonly attempt: number }
  /** `reason` = `why` plus the failure; `why` alone suits a message that already names the failure. */
  | { readonly restart: false; readonly reason: string; readonly why: string };

export interface RestartStrategy {
  readonly config: RestartStrategyConfig;
  /** Human-readable, e.g. `fixed-delay (3 attempts, 1000 ms apart)`. */
  readonly description: string;
  /** The job failed with `error` at `now`: restart after `delayMs`, or give up with a reason. */
  onFailure(error: unknown, now: number): RestartDecision;
  /** The (restarted) job is running again at `now`; starts the stable period of `resetAfterMs`. */
  onRunning(now: number): void;
  /** Restarts granted so far (since the last backoff reset for exponential-delay). */
  readonly attemptsMade: number;
}

const PROGRAMMING_ERRORS = new Set(["TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError"]);

/**
 * Why `error` must not be retried, or null when a restart may help. Duck-typed on `retriable`/`code`,
 * so BicycleErrors from a job bundle's copy of core are recognized too.
 */
export function nonRetriableReason(error: unknown): string | null {
  if (typeof error !== "object" || error === null) return null;
  const e = error as { name?: unknown; code?: unknown; retriable?: unknown; domain?: unknown };
  if (typeof e.retriable === "boolean" && typeof e.code === "string") {
    return e.retriable ? null : `${String(e.name)} (${e.code}, ${String(e.domain)} error) is not retriable`;
  }
  if (error instanceof Error && PROGRAMMING_ERRORS.has(error.name)) return `${error.name} is a programming error in Bicycle itself, not retried`;
  return null;
}

function validate(config: RestartStrategyConfig): RestartStrategyConfig {
  const parsed = restartStrategyConfigSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  throw new ConfigError(`invalid restart strategy ${JSON.stringify(config)}: ${issues}`);
}

/** Build the strategy for `config` (validated again here; a bad config throws ConfigError). */
export function createRestartStrategy(input: RestartStrategyConfig): RestartStrategy {
  const config = validate(input);
  switch (config.type) {
    case "none":
      return noRestart(config);
    case "fixed-delay":
      return fixedDelay(config);
    case "exponential-delay":
      return exponentialDelay(config);
  }
}

function refuse(why: string, error: unknown): RestartDecision {
  return { restart: false, reason: `${why}; cause: ${describeError(error)}`, why };
}

function noRestart(config: Extract<RestartStrategyConfig, { type: "none" }>): RestartStrategy {
  return {
    config,
    description: "none (the job fails on its first failure)",
    attemptsMade: 0,
    onFailure: (error) => refuse("the restart strategy is 'none'", error),
    onRunning: () => undefined,
  };
}

function fixedDelay(config: Extract<RestartStrategyConfig, { type: "fixed-delay" }>): RestartStrategy {
  let made = 0;
  return {
    config,
    description: `fixed-delay (${config.attempts} attempts, ${config.delayMs} ms apart)`,
    get attemptsMade() {
      return made;
    },
    onFailure(error) {
      const notRetriable = nonRetriableReason(error);
      if (notRetriable !== null) return refuse(`not restarting: ${notRetriable}`, error);
      if (made >= config.attempts) return refuse(`restart attempts exhausted: ${made} of ${config.attempts} made (fixed-delay, ${config.delayMs} ms apart); last failure`, error);
      made++;
      return { restart: true, delayMs: config.delayMs, attempt: made };
    },
    onRunning: () => undefined,
  };
}

function exponentialDelay(config: Extract<RestartStrategyConfig, { type: "exponential-delay" }>): RestartStrategy {
  const budget = config.attempts ?? DEFAULT_EXPONENTIAL_ATTEMPTS;
  let made = 0;
  /** When the job last (re)started running: reported, or else planned (failure + delay). */
  let runningSince: number | null = null;
  return {
    config,
    description: `exponential-delay (${config.initialMs} ms × ${config.multiplier} up to ${config.maxMs} ms, ${budget} attempts${config.resetAfterMs === undefined ? "" : `, reset after ${config.resetAfterMs} ms running`})`,
    get attemptsMade() {
      return made;
    },
    onFailure(error, now) {
      const notRetriable = nonRetriableReason(error);
      if (notRetriable !== null) return refuse(`not restarting: ${notRetriable}`, error);
      if (config.resetAfterMs !== undefined && runningSince !== null && now - runningSince >= config.resetAfterMs) made = 0;
      if (made >= budget) return refuse(`restart attempts exhausted: ${made} of ${budget} made (exponential-delay, up to ${config.maxMs} ms apart) without running ${config.resetAfterMs ?? "∞"} ms in between; last failure`, error);
      const delayMs = Math.min(config.maxMs, Math.round(config.initialMs * config.multiplier ** made));
      made++;
      runningSince = now + delayMs;
      return { restart: true, delayMs, attempt: made };
    },
    onRunning(now) {
      runningSince = now;
    },
  };
}
