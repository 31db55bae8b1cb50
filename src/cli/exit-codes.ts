/**
 * @module cli/exit-codes
 * Exit codes scripts can rely on, and the one place errors become a message and a code.
 *   0 success - 1 user error (bad input, failed job) - 2 external system unreachable - 3 internal error
 */
import { BicycleError, describeError } from "../core/index.ts";

export const EXIT_OK = 0;
export const EXIT_USER_ERROR = 1;
export const EXIT_EXTERNAL_ERROR = 2;
export const EXIT_INTERNAL_ERROR = 3;

/** Print `error` for a human (no stack trace unless BICYCLE_LOG=debug) and return its exit code. */
export function reportError(error: unknown, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): number {
  const debug = (process.env.BICYCLE_LOG ?? "").toLowerCase() === "debug";
  if (error instanceof BicycleError) {
    write(`error: ${describeError(error)}`);
    if (debug && error.stack) write(error.stack);
    if (error.domain === "external") return EXIT_EXTERNAL_ERROR;
    return error.domain === "internal" ? EXIT_INTERNAL_ERROR : EXIT_USER_ERROR;
  }
  write(`internal error: ${describeError(error)}`);
  if (error instanceof Error && error.stack) write(debug ? error.stack : "(run with BICYCLE_LOG=debug for the stack trace)");
  return EXIT_INTERNAL_ERROR;
}
