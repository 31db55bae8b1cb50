/** Restart strategies: which errors restart, fixed and exponential delays, attempt budgets, backoff reset. */
import { describe, expect, test } from "bun:test";
import { BicycleError, CancelledError, ConfigError, InternalError, JobError, PlanError } from "../../core/index.ts";
import { createRestartStrategy, nonRetriableReason } from "./restart-strategy.ts";
import type { RestartDecision } from "./restart-strategy.ts";

const location = { operatorId: "op-1", operatorName: "map", subtaskIndex: 0, parallelism: 2 };
const transient = () => new BicycleError("broker unreachable", { code: "CONNECTOR_UNAVAILABLE", domain: "external", retriable: true });

function delays(decisions: RestartDecision[]): Array<number | string> {
  return decisions.map((d) => (d.restart ? d.delayMs : "stop"));
}

describe("which errors restart", () => {
  test("retriable BicycleErrors and user-function faults wrapped in JobError restart", () => {
    expect(nonRetriableReason(transient())).toBeNull();
    expect(nonRetriableReason(JobError.fromUserFunction(new TypeError("x is undefined"), location, 3))).toBeNull();
  });

  test("non-retriable BicycleErrors and bare programming errors do not", () => {
    expect(nonRetriableReason(new PlanError("bad plan"))).toContain("PlanError (PLAN_INVALID, user error) is not retriable");
    expect(nonRetriableReason(new InternalError("broken invariant"))).toContain("not retriable");
    expect(nonRetriableReason(new CancelledError())).toContain("not retriable");
    for (const e of [new TypeError("t"), new RangeError("r"), new SyntaxError("s"), new ReferenceError("f")]) {
      expect(nonRetriableReason(e)).toContain("programming error");
    }
  });

  test("a BicycleError look-alike from another copy of core is judged by its fields", () => {
    const foreign = Object.assign(new Error("from the bundle"), { name: "JobError", code: "JOB_FAILED", domain: "user", retriable: false });
    expect(nonRetriableReason(foreign)).toContain("JobError (JOB_FAILED, user error) is not retriable");
  });

  test("unknown errors are assumed transient", () => {
    expect(nonRetriableReason(Object.assign(new Error("ECONNRESET"), { code: "ECONNRESET" }))).toBeNull();
    expect(nonRetriableReason("a thrown string")).toBeNull();
    expect(nonRetriableReason(undefined)).toBeNull();
  });
});

describe("none", () => {
  test("never restarts and names the cause", () => {
    const s = createRestartStrategy({ type: "none" });
    const d = s.onFailure(transient(), 0);
    expect(d).toEqual({ restart: false, reason: "the restart strategy is 'none'; cause: broker unreachable", why: "the restart strategy is 'none'" });
  });
});

describe("fixed-delay", () => {
  test("restarts `attempts` times with the same delay, then gives up saying how many and why", () => {
    const s = createRestartStrategy({ type: "fixed-delay", attempts: 3, delayMs: 1_000 });
    const decisions = [0, 1, 2].map((i) => s.onFailure(transient(), i * 10_000));
    expect(decisions).toEqual([
      { restart: true, delayMs: 1_000, attempt: 1 },
      { restart: true, delayMs: 1_000, attempt: 2 },
      { restart: true, delayMs: 1_000, attempt: 3 },
    ]);
    const last = s.onFailure(new Error("disk full"), 40_000);
    expect(last.restart).toBe(false);
    expect(!last.restart && last.reason).toBe("restart attempts exhausted: 3 of 3 made (fixed-delay, 1000 ms apart); last failure; cause: disk full");
    expect(s.attemptsMade).toBe(3);
  });

  test("a non-retriable error stops at once without using an attempt", () => {
    const s = createRestartStrategy({ type: "fixed-delay", attempts: 1, delayMs: 5 });
    const d = s.onFailure(new RangeError("index out of range"), 0);
    expect(d.restart).toBe(false);
    expect(!d.restart && d.reason).toContain("RangeError is a programming error");
    expect(!d.restart && d.reason).toContain("cause: index out of range");
    expect(s.attemptsMade).toBe(0);
  });

  test("attempts 0 means fail on the first failure", () => {
    expect(createRestartStrategy({ type: "fixed-delay", attempts: 0, delayMs: 5 }).onFailure(transient(), 0).restart).toBe(false);
  });
});

describe("exponential-delay", () => {
  test("delays grow by the multiplier up to maxMs", () => {
    const s = createRestartStrategy({ type: "exponential-delay", initialMs: 100, maxMs: 1_000, multiplier: 2 });
    const decisions = [0, 1, 2, 3, 4, 5].map((i) => s.onFailure(transient(), i));
    expect(delays(decisions)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  test("the attempt budget (default 10) ends the retries, with the count and the cause", () => {
    const s = createRestartStrategy({ type: "exponential-delay", initialMs: 1, maxMs: 10, multiplier: 2 });
    for (let i = 0; i < 10; i++) expect(s.onFailure(transient(), i).restart).toBe(true);
    const d = s.onFailure(transient(), 11);
    expect(!d.restart && d.reason).toContain("restart attempts exhausted: 10 of 10 made");
    expect(!d.restart && d.reason).toContain("cause: broker unreachable");
  });

  test("running resetAfterMs without failure resets the backoff and the budget", () => {
    const s = createRestartStrategy({ type: "exponential-delay", initialMs: 100, maxMs: 10_000, multiplier: 10, resetAfterMs: 60_000, attempts: 2 });
    expect(delays([s.onFailure(transient(), 0), s.onFailure(transient(), 1_000)])).toEqual([100, 1_000]);
    s.onRunning(2_000);
    // failed again 59.9 s after running: still backing off, and the budget of 2 is spent
    expect(s.onFailure(transient(), 61_900).restart).toBe(false);
    const fresh = createRestartStrategy(s.config);
    fresh.onFailure(transient(), 0);
    fresh.onRunning(100);
    expect(delays([fresh.onFailure(transient(), 60_100)])).toEqual([100]);
  });

  test("without onRunning, the stable period counts from the planned restart", () => {
    const s = createRestartStrategy({ type: "exponential-delay", initialMs: 100, maxMs: 10_000, multiplier: 2, resetAfterMs: 1_000 });
    expect(delays([s.onFailure(transient(), 0), s.onFailure(transient(), 500)])).toEqual([100, 200]);
    // restarted at 700; failed at 1_699 (999 ms later): keep growing
    expect(delays([s.onFailure(transient(), 1_699)])).toEqual([400]);
    // restarted at 2_099; failed at 3_099 (1_000 ms later): reset
    expect(delays([s.onFailure(transient(), 3_099)])).toEqual([100]);
  });
});

describe("configuration", () => {
  test("invalid configs throw a ConfigError naming the field", () => {
    expect(() => createRestartStrategy({ type: "fixed-delay", attempts: -1, delayMs: 0 })).toThrow(ConfigError);
    expect(() => createRestartStrategy({ type: "exponential-delay", initialMs: 100, maxMs: 10, multiplier: 2 })).toThrow(/maxMs: maxMs must be at least initialMs/);
    expect(() => createRestartStrategy({ type: "exponential-delay", initialMs: 1, maxMs: 10, multiplier: 0.5 })).toThrow(/multiplier/);
    expect(() => createRestartStrategy({ type: "sometimes" } as never)).toThrow(ConfigError);
  });

  test("descriptions", () => {
    expect(createRestartStrategy({ type: "fixed-delay", attempts: 3, delayMs: 1_000 }).description).toBe("fixed-delay (3 attempts, 1000 ms apart)");
    expect(createRestartStrategy({ type: "exponential-delay", initialMs: 1, maxMs: 8, multiplier: 2, resetAfterMs: 60 }).description).toBe(
      "exponential-delay (1 ms × 2 up to 8 ms, 10 attempts, reset after 60 ms running)",
    );
  });
});
