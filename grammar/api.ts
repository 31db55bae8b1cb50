/**
 * The grammar's public API: `parseSql` (a script) and `parseSqlExpression` return a CST plus friendly
 * syntax errors `{ message, line, column, expected }`, and the base visitor class src/sql extends.
 * Syntax errors are returned, never thrown; the parser recovers and keeps reporting past the first.
 */
import { EOF, tokenLabel, tokenMatcher, type CstNode, type IParserErrorMessageProvider, type IRecognitionException, type IToken, type TokenType } from "chevrotain";
import type { ExpressionCstNode, ScriptCstNode } from "./cst.d.ts";
import { sqlLexer } from "./lexer.ts";
import { SqlParser } from "./parser.ts";
import { PlainIdentifier, StringLiteral, UnterminatedComment } from "./tokens.ts";

export type * from "./cst.d.ts";
export type { IToken } from "chevrotain";

/** One lexing or parsing problem, positioned at the offending text (1-based line and column). */
export interface SqlSyntaxError {
  /** `line 1, column 15: expected FROM but found 'FORM'`: self-contained, one line. */
  readonly message: string;
  readonly line: number;
  readonly column: number;
  /** 0-based character offset and length of the offending text, for underlining. */
  readonly offset: number;
  readonly length: number;
  /** What would have been valid here, as token labels (`FROM`, `')'`, `identifier`); empty for lexer errors. */
  readonly expected: readonly string[];
}

/** A parse result: the CST is always present (partial when there are errors, so check `errors` first). */
export interface ParseResult<T extends CstNode> {
  readonly cst: T;
  readonly errors: readonly SqlSyntaxError[];
}

// -----------------------------------------------------------------------------------------------------
// The parser instance. Chevrotain builds the error message when an error happens; ours records the
// structured facts as JSON and `toSyntaxError` turns them into the final message once positions and the
// surrounding tokens are known.
// -----------------------------------------------------------------------------------------------------

/** What the message provider records for one recognition error. */
interface Expectation {
  readonly expected: string[];
  /** How many tokens after `err.token` the input diverged from every expected path. */
  readonly skip: number;
  readonly trailing?: true;
}

const label = (t: TokenType): string => (t === EOF ? "end of input" : tokenLabel(t));

/** First tokens where `actual` leaves each path, and how far into `actual` that happens. */
function divergence(paths: readonly (readonly TokenType[])[], actual: readonly IToken[]): Expectation {
  let skip = 0;
  let expected: string[] = [];
  for (const path of paths) {
    let i = 0;
    while (i < path.length && i < actual.length && tokenMatcher(actual[i]!, path[i]!)) i++;
    if (i >= path.length) continue; // a fully matching path: not the cause
    if (i > skip) {
      skip = i;
      expected = [];
    }
    if (i === skip) expected.push(label(path[i]!));
  }
  return { expected: [...new Set(expected)], skip };
}

const recordingProvider: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }) => JSON.stringify({ expected: [label(expected)], skip: 0 } satisfies Expectation),
  buildNotAllInputParsedMessage: () => JSON.stringify({ expected: [], skip: 0, trailing: true } satisfies Expectation),
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual }) => JSON.stringify(divergence(expectedPathsPerAlt.flat(), actual)),
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) => JSON.stringify(divergence(expectedIterationPaths, actual)),
};

/** The one parser: construction analyses the grammar (milliseconds), parsing reuses it. */
const parser = new SqlParser({ errorMessageProvider: recordingProvider, skipValidations: true });

/**
 * Base class for CST visitors in src/sql: `class AstBuilder extends BaseSqlVisitor implements
 * SqlCstVisitor<In, Out>`; call `this.validateVisitor()` in the constructor.
 */
export const BaseSqlVisitor = parser.getBaseCstVisitorConstructor();
/** Like BaseSqlVisitor, with default methods that visit every child (for visitors of a few rules). */
export const BaseSqlVisitorWithDefaults = parser.getBaseCstVisitorConstructorWithDefaults();

/** Parse a script of `;`-separated statements (one statement is a script too). */
export function parseSql(text: string): ParseResult<ScriptCstNode> {
  return parseWith(text, () => parser.script() as ScriptCstNode, "script");
}

/** Parse a lone expression, e.g. a `--watermark "ts - INTERVAL '2' SECOND"` option. */
export function parseSqlExpression(text: string): ParseResult<ExpressionCstNode> {
  return parseWith(text, () => parser.expression() as ExpressionCstNode, "expression");
}

function parseWith<T extends CstNode>(text: string, rule: () => T, ruleName: string): ParseResult<T> {
  const lexed = sqlLexer.tokenize(text);
  const errors: SqlSyntaxError[] = lexed.errors.map((e) => {
    const bad = text.slice(e.offset, e.offset + e.length);
    const what = bad.length === 1 ? `character ${quote(bad)}` : `characters ${quote(bad)}`;
    return syntaxError(`unexpected ${what}`, e.line ?? 1, e.column ?? 1, e.offset, e.length, []);
  });
  for (const t of lexed.groups["unterminated"] ?? []) {
    const what = t.tokenType === UnterminatedComment ? "comment: missing */" : "string: missing closing quote";
    errors.push(syntaxError(`unterminated ${what}`, t.startLine ?? 1, t.startColumn ?? 1, t.startOffset, 1, []));
  }
  parser.input = lexed.tokens;
  const cst = rule();
  // Lexer errors first: a skipped character or an unclosed quote is usually why the parse failed too.
  const parseErrors = parser.errors.map((e) => toSyntaxError(e, lexed.tokens, ruleName));
  return { cst, errors: [...dedupe(errors), ...dedupe(parseErrors)] };
}

// -----------------------------------------------------------------------------------------------------
// Turning Chevrotain errors into messages
// -----------------------------------------------------------------------------------------------------

function toSyntaxError(err: IRecognitionException, tokens: readonly IToken[], ruleName: string): SqlSyntaxError {
  let facts: Expectation;
  try {
    facts = JSON.parse(err.message) as Expectation;
  } catch {
    facts = { expected: [], skip: 0 }; // not from our provider: keep Chevrotain's wording below
  }
  const index = indexOfToken(tokens, err.token);
  let at = index + facts.skip;
  let expected = facts.expected;
  // Leftover input, or a statement that does not start with a statement keyword: ask the grammar what
  // could have come next instead of reporting "expected end of input".
  if (facts.trailing || (expected.length === 1 && expected[0] === label(EOF))) expected = contentAssist(ruleName, tokens.slice(0, at));

  // A misspelt keyword is an identifier to the lexer: `SELEC a` fails right there, while `SELECT a FORM t`
  // reads FORM as a's implicit alias and fails one token later. Blame the misspelling when it is close
  // to a keyword that was expected.
  for (const suspect of [tokens[at], at > 0 ? tokens[at - 1] : undefined]) {
    if (suspect === undefined || suspect.tokenType !== PlainIdentifier) continue;
    const meant = closestKeyword(suspect.image, expected);
    if (meant !== undefined) return positioned(`expected ${meant} but found ${describeToken(suspect)}`, suspect, [meant]);
  }

  const found = tokens[at];
  if (found === undefined) at = tokens.length; // at end of input
  if (err.message.startsWith("{") === false) return positioned(err.message, found ?? endOf(tokens), expected);
  const foundText = found === undefined ? "end of input" : describeToken(found);
  const message = facts.trailing
    ? `unexpected ${foundText} after the end of the statement`
    : expected.length === 0
      ? `unexpected ${foundText}`
      : `expected ${describeExpected(expected)} but found ${foundText}`;
  return positioned(message, found ?? endOf(tokens), expected);
}

/** The index of `token` in the stream (by offset; EOF and unknown tokens map to the end). */
function indexOfToken(tokens: readonly IToken[], token: IToken): number {
  if (!Number.isFinite(token.startOffset)) return tokens.length;
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tokens[mid]!.startOffset < token.startOffset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Token labels valid after `preceding`, computed from the grammar (only on the error path). */
function contentAssist(ruleName: string, preceding: IToken[]): string[] {
  try {
    return [...new Set(parser.computeContentAssist(ruleName, preceding).map((p) => label(p.nextTokenType)))];
  } catch {
    return [];
  }
}

/** A pseudo-token just after the last token, where "end of input" errors point. */
function endOf(tokens: readonly IToken[]): Pick<IToken, "startLine" | "startColumn" | "startOffset" | "image"> {
  const last = tokens[tokens.length - 1];
  if (last === undefined) return { startLine: 1, startColumn: 1, startOffset: 0, image: "" };
  return { startLine: last.endLine ?? 1, startColumn: (last.endColumn ?? 0) + 1, startOffset: (last.endOffset ?? last.startOffset) + 1, image: "" };
}

function positioned(message: string, at: Pick<IToken, "startLine" | "startColumn" | "startOffset" | "image">, expected: readonly string[]): SqlSyntaxError {
  return syntaxError(message, at.startLine ?? 1, at.startColumn ?? 1, at.startOffset, Math.max(at.image.length, 1), expected);
}

function syntaxError(what: string, line: number, column: number, offset: number, length: number, expected: readonly string[]): SqlSyntaxError {
  return { message: `line ${line}, column ${column}: ${what}`, line, column, offset, length, expected };
}

function dedupe(errors: SqlSyntaxError[]): SqlSyntaxError[] {
  const seen = new Set<string>();
  return errors
    .sort((a, b) => a.offset - b.offset)
    .filter((e) => {
      if (seen.has(e.message)) return false;
      seen.add(e.message);
      return true;
    });
}

const quote = (s: string): string => `'${s.replace(/\n/g, "\\n")}'`;

function describeToken(t: IToken): string {
  return t.tokenType === StringLiteral ? `string ${t.image}` : quote(t.image);
}

/** Labels of the tokens an expression can start with; listed together they read "expression". */
const EXPRESSION_STARTS = new Set(["identifier", "number", "string", "TRUE", "FALSE", "NULL", "INTERVAL", "CASE", "CAST", "NOT", "'('", "'-'", "'+'"]);

/** `FROM`, `',' or FROM`, `expression or '*'`: short, with expression starters folded into one word. */
export function describeExpected(expected: readonly string[]): string {
  const names: string[] = [];
  const foldsToExpression = expected.includes("identifier") && expected.includes("number");
  for (const e of expected) {
    const name = foldsToExpression && EXPRESSION_STARTS.has(e) ? "expression" : e;
    if (!names.includes(name)) names.push(name);
  }
  const shown = names.length > 6 ? [...names.slice(0, 5), "..."] : names;
  return shown.length === 1 ? shown[0]! : `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}`;
}

/** The keyword in `expected` that `word` most plausibly misspells (one edit, or two for long words). */
function closestKeyword(word: string, expected: readonly string[]): string | undefined {
  const upper = word.toUpperCase();
  if (upper.length < 3) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of expected) {
    if (!/^[A-Z]+$/.test(k) || k === upper) continue;
    const d = editDistance(upper, k);
    const limit = k.length >= 6 ? 2 : 1;
    if (d <= limit && d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus adjacent transpositions (FORM -> FROM is 1). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * An error with the offending source line and a caret underline, for terminals:
 *
 *   line 1, column 16: expected FROM but found 'FORM'
 *     SELECT a, b, c FORM t
 *                    ^^^^
 */
export function formatSqlError(error: SqlSyntaxError, source: string): string {
  const lineText = source.split(/\r\n|\r|\n/)[error.line - 1] ?? "";
  const width = Math.max(1, Math.min(error.length, lineText.length - error.column + 1));
  return `${error.message}\n  ${lineText}\n  ${" ".repeat(error.column - 1)}${"^".repeat(width)}`;
}
