/**
 * The SQL lexer: one Chevrotain Lexer over tokens.ts, built once at module load. Skipped trivia
 * (whitespace, comments) never reaches the parser; unterminated strings and comments land in the
 * "unterminated" token group, which api.ts turns into errors.
 */
import { Lexer } from "chevrotain";
import { allTokens } from "./tokens.ts";

/** The shared lexer instance; `tokenize` is re-entrant, so one instance serves every caller. */
export const sqlLexer = new Lexer([...allTokens], {
  positionTracking: "full",
  // Fail at startup, not silently at runtime, if a pattern defeats the first-character optimization.
  ensureOptimizations: true,
});
