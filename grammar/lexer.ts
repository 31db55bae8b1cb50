/**
 * The SQL lexer: one Chevrotain Lexer over tokens.ts, built once at module load. Skipped trivia
 * (whitespace, comments) never reaches the parser; unterminated strings and comments land in the
 * "unterminated" token group, which api.ts turns into errors.
 */
import { Lexer, type ILexerConfig } from "chevrotain";
import { allTokens } from "./tokens.ts";

/**
 * Validations (and the optimization check) cost ~40 ms at every start of `bicycle sql`; grammar.test.ts
 * builds a lexer with them on, so a bad token definition still fails the tests.
 */
export const SQL_LEXER_CONFIG: ILexerConfig = { positionTracking: "full", skipValidations: true };

/** The shared lexer instance; `tokenize` is re-entrant, so one instance serves every caller. */
export const sqlLexer = new Lexer([...allTokens], SQL_LEXER_CONFIG);
