/**
 * @module core/errors
 * The error hierarchy. Every error Bicycle raises on purpose is a BicycleError with a string `code`,
 * a `domain` (whose fault: the user's input, an external system, or a bug here) and a `retriable`
 * hint that restart strategies read. Subclasses are named by area.
 */

/** Whose fault an error is: drives exit codes, HTTP status and restart decisions. */
export type ErrorDomain = "user" | "external" | "internal";

export interface BicycleErrorOptions {
  readonly code: string;
  readonly domain: ErrorDomain;
  readonly retriable?: boolean;
  readonly cause?: unknown;
}

/** Base class of every deliberate Bicycle error. */
export class BicycleError extends Error {
  readonly code: string;
  readonly domain: ErrorDomain;
  readonly retriable: boolean;

  constructor(message: string, options: BicycleErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.domain = options.domain;
    this.retriable = options.retriable ?? false;
  }
}

/** A job definition or execution plan that cannot run (bad graph, bad option). */
export class PlanError extends BicycleError {
  constructor(message: string, code = "PLAN_INVALID", cause?: unknown) {
    super(message, { code, domain: "user", cause });
  }
}

/** Invalid configuration value; the message names the key and what it takes. */
export class ConfigError extends BicycleError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: "CONFIG_INVALID", domain: "user", cause });
  }
}

/** Where in a job a runtime fault happened. */
export interface TaskLocation {
  readonly operatorId: string;
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
}

/**
 * A user function or operator failed while the job ran. The message names the operator, the subtask
 * and (when known) the position of the record in that subtask's input, so the bad record can be found.
 */
export class JobError extends BicycleError {
  readonly location: TaskLocation | undefined;
  readonly recordIndex: number | undefined;

  constructor(message: string, options: { cause?: unknown; location?: TaskLocation; recordIndex?: number; code?: string; retriable?: boolean }) {
    super(message, { code: options.code ?? "JOB_FAILED", domain: "user", retriable: options.retriable ?? true, cause: options.cause });
    this.location = options.location;
    this.recordIndex = options.recordIndex;
  }

  /** Wrap a fault raised by user code inside an operator. */
  static fromUserFunction(cause: unknown, location: TaskLocation, recordIndex?: number): JobError {
    const what = cause instanceof Error ? cause.message : String(cause);
    const where = `operator '${location.operatorName}' (${location.operatorId}, subtask ${location.subtaskIndex + 1}/${location.parallelism})`;
    // Records are numbered from 1 in messages, like subtasks; `recordIndex` keeps the 0-based index.
    const position = recordIndex === undefined ? "" : ` on record #${recordIndex + 1} of its input`;
    return new JobError(`${where} failed${position}: ${what}`, {
      cause,
      location,
      ...(recordIndex === undefined ? {} : { recordIndex }),
      code: "USER_FUNCTION_FAILED",
    });
  }
}

/** A job was cancelled; awaiting code sees this rather than hanging. */
export class CancelledError extends BicycleError {
  constructor(message = "job cancelled") {
    super(message, { code: "CANCELLED", domain: "user" });
  }
}

/** A bug or broken invariant inside Bicycle itself. */
export class InternalError extends BicycleError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: "INTERNAL", domain: "internal", cause });
  }
}

/** Render an error for a human: the message chain without stack traces. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (!parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n  caused by: ");
}
