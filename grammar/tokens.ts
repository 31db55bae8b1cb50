/**
 * Token vocabulary of Bicycle's streaming SQL: case-insensitive keywords, type names, identifiers
 * (plain and `backquoted`), literals, operators and skipped trivia. The lexer lives in lexer.ts.
 */
import { createToken, Lexer, type ITokenConfig, type TokenType } from "chevrotain";

// ---------------------------------------------------------------------------------------------------
// Identifiers. `Identifier` is an abstract category: the parser consumes it and matches a plain name,
// a `backquoted` name, or a non-reserved keyword (window functions, time units) used as a name.
// ---------------------------------------------------------------------------------------------------

/** Any identifier. Abstract (never produced by the lexer), only matched through its categories. */
export const Identifier = createToken({ name: "Identifier", pattern: Lexer.NA, label: "identifier" });

/** `foo`, `_x1`: what every keyword falls back to when it is only the prefix of a longer word. */
export const PlainIdentifier = createToken({
  name: "PlainIdentifier",
  pattern: /[A-Za-z_][A-Za-z0-9_$]*/,
  categories: [Identifier],
  label: "identifier",
});

/** `any text`, with `` as an escaped backquote. */
export const QuotedIdentifier = createToken({
  name: "QuotedIdentifier",
  pattern: /`(?:[^`]|``)*`/,
  categories: [Identifier],
  label: "identifier",
});

// ---------------------------------------------------------------------------------------------------
// Keywords. Reserved keywords can never be identifiers (backquote them: `select`). Non-reserved ones
// are also in the Identifier category, so `second` or `tumble` still work as column or function names.
// ---------------------------------------------------------------------------------------------------

/** A case-insensitive keyword token; `longer_alt` keeps `selection` or `fromage` identifiers. */
function keyword(word: string, options: { readonly reserved?: boolean } = {}): TokenType {
  const config: ITokenConfig = {
    name: word.charAt(0) + word.slice(1).toLowerCase().replace(/_(.)/g, (_, c: string) => c.toUpperCase()),
    pattern: new RegExp(word, "i"),
    longer_alt: PlainIdentifier,
    label: word,
  };
  if (options.reserved === false) config.categories = [Identifier];
  return createToken(config);
}

const soft = { reserved: false } as const;

/** Every keyword token, by its token name (which is also its key in CST children). */
export const Kw = {
  // statements and clauses
  Select: keyword("SELECT"),
  From: keyword("FROM"),
  Where: keyword("WHERE"),
  Group: keyword("GROUP"),
  By: keyword("BY"),
  Having: keyword("HAVING"),
  Order: keyword("ORDER"),
  Asc: keyword("ASC"),
  Desc: keyword("DESC"),
  Limit: keyword("LIMIT"),
  Union: keyword("UNION"),
  All: keyword("ALL"),
  Distinct: keyword("DISTINCT"),
  As: keyword("AS"),
  Join: keyword("JOIN"),
  Inner: keyword("INNER"),
  Left: keyword("LEFT"),
  Right: keyword("RIGHT"),
  Full: keyword("FULL"),
  Outer: keyword("OUTER"),
  On: keyword("ON"),
  Create: keyword("CREATE"),
  Table: keyword("TABLE"),
  With: keyword("WITH"),
  Watermark: keyword("WATERMARK"),
  For: keyword("FOR"),
  Insert: keyword("INSERT"),
  Into: keyword("INTO"),
  Explain: keyword("EXPLAIN"),
  Set: keyword("SET"),
  Descriptor: keyword("DESCRIPTOR"),
  Partition: keyword("PARTITION"),
  Over: keyword("OVER"),
  // expressions
  And: keyword("AND"),
  Or: keyword("OR"),
  Not: keyword("NOT"),
  Is: keyword("IS"),
  Null: keyword("NULL"),
  True: keyword("TRUE"),
  False: keyword("FALSE"),
  Like: keyword("LIKE"),
  In: keyword("IN"),
  Between: keyword("BETWEEN"),
  Case: keyword("CASE"),
  When: keyword("WHEN"),
  Then: keyword("THEN"),
  Else: keyword("ELSE"),
  End: keyword("END"),
  Cast: keyword("CAST"),
  Interval: keyword("INTERVAL"),
  // window table functions: also plain function names in `GROUP BY TUMBLE(ts, ...)`
  Tumble: keyword("TUMBLE", soft),
  Hop: keyword("HOP", soft),
  Session: keyword("SESSION", soft),
  // time units of INTERVAL literals
  Millisecond: keyword("MILLISECOND", soft),
  Second: keyword("SECOND", soft),
  Minute: keyword("MINUTE", soft),
  Hour: keyword("HOUR", soft),
  Day: keyword("DAY", soft),
  // data types
  Bigint: keyword("BIGINT"),
  Int: keyword("INT"),
  Integer: keyword("INTEGER"),
  Double: keyword("DOUBLE"),
  Float: keyword("FLOAT"),
  Boolean: keyword("BOOLEAN"),
  Varchar: keyword("VARCHAR"),
  String: keyword("STRING"),
  Timestamp: keyword("TIMESTAMP"),
} as const satisfies Record<string, TokenType>;

/** The type-name keywords, in the order the dataType rule tries them. */
export const TYPE_KEYWORDS: readonly TokenType[] = [Kw.Bigint, Kw.Int, Kw.Integer, Kw.Double, Kw.Float, Kw.Boolean, Kw.Varchar, Kw.String, Kw.Timestamp];

/** The INTERVAL unit keywords. */
export const TIME_UNIT_KEYWORDS: readonly TokenType[] = [Kw.Millisecond, Kw.Second, Kw.Minute, Kw.Hour, Kw.Day];

// ---------------------------------------------------------------------------------------------------
// Literals
// ---------------------------------------------------------------------------------------------------

/** 42, 3.14, .5, 1e9. */
export const NumberLiteral = createToken({
  name: "NumberLiteral",
  pattern: /(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/,
  label: "number",
});

/** 'text', with '' as an escaped quote. */
export const StringLiteral = createToken({ name: "StringLiteral", pattern: /'(?:[^']|'')*'/, label: "string" });

/**
 * A quote that never closes. Lexed into the "unterminated" group, not the token stream, so the API
 * reports "unterminated string" at the opening quote instead of an odd parse error.
 */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /'(?:[^']|'')*/,
  group: "unterminated",
  line_breaks: true,
});

// ---------------------------------------------------------------------------------------------------
// Operators and punctuation. Categories let a rule consume "any comparison operator" in one CONSUME.
// ---------------------------------------------------------------------------------------------------

export const ComparisonOperator = createToken({ name: "ComparisonOperator", pattern: Lexer.NA, label: "comparison operator" });
export const AdditiveOperator = createToken({ name: "AdditiveOperator", pattern: Lexer.NA, label: "'+', '-' or '||'" });
export const MultiplicativeOperator = createToken({ name: "MultiplicativeOperator", pattern: Lexer.NA, label: "'*', '/' or '%'" });

function punctuation(name: string, image: string, categories: TokenType[] = []): TokenType {
  const escaped = image.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  return createToken({ name, pattern: new RegExp(escaped), label: `'${image}'`, categories });
}

export const LessOrEqual = punctuation("LessOrEqual", "<=", [ComparisonOperator]);
export const GreaterOrEqual = punctuation("GreaterOrEqual", ">=", [ComparisonOperator]);
export const NotEqual = punctuation("NotEqual", "<>", [ComparisonOperator]);
export const BangEqual = punctuation("BangEqual", "!=", [ComparisonOperator]);
export const Equals = punctuation("Equals", "=", [ComparisonOperator]);
export const LessThan = punctuation("LessThan", "<", [ComparisonOperator]);
export const GreaterThan = punctuation("GreaterThan", ">", [ComparisonOperator]);
export const Concat = punctuation("Concat", "||", [AdditiveOperator]);
export const Plus = punctuation("Plus", "+", [AdditiveOperator]);
export const Minus = punctuation("Minus", "-", [AdditiveOperator]);
export const Star = punctuation("Star", "*", [MultiplicativeOperator]);
export const Slash = punctuation("Slash", "/", [MultiplicativeOperator]);
export const Percent = punctuation("Percent", "%", [MultiplicativeOperator]);
export const LParen = punctuation("LParen", "(");
export const RParen = punctuation("RParen", ")");
export const Comma = punctuation("Comma", ",");
export const Dot = punctuation("Dot", ".");
export const Semicolon = punctuation("Semicolon", ";");

// ---------------------------------------------------------------------------------------------------
// Trivia
// ---------------------------------------------------------------------------------------------------

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = createToken({ name: "LineComment", pattern: /--[^\n\r]*/, group: Lexer.SKIPPED });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED, line_breaks: true });
/** A block comment that never closes; like UnterminatedString, reported by the API. */
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[\s\S]*/,
  group: "unterminated",
  line_breaks: true,
});

/**
 * All tokens in lexing order: trivia first, then longer operators before their prefixes (<= before <,
 * -- before -), keywords longest first (INTERVAL and INTEGER before INT before IN) so that a keyword
 * never wins over a longer keyword it prefixes, and the plain identifier after every keyword.
 */
export const allTokens: readonly TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  StringLiteral,
  UnterminatedString,
  QuotedIdentifier,
  NumberLiteral,
  LessOrEqual,
  GreaterOrEqual,
  NotEqual,
  BangEqual,
  Equals,
  LessThan,
  GreaterThan,
  Concat,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  LParen,
  RParen,
  Comma,
  Dot,
  Semicolon,
  ...Object.values(Kw).sort((a, b) => String(b.LABEL).length - String(a.LABEL).length),
  PlainIdentifier,
  // abstract categories last: the lexer never produces them, but the parser must know them
  Identifier,
  ComparisonOperator,
  AdditiveOperator,
  MultiplicativeOperator,
];
