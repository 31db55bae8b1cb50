/**
 * @module core/logger
 * A small levelled logger writing `LEVEL message` lines to stderr. The level comes from BICYCLE_LOG
 * (error, warn, info, debug; default info), like RUST_LOG.
 */

export type LogLevel = "error" | "warn" | "info" | "debug";
const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

function levelFromEnv(): LogLevel {
  const raw = (process.env.BICYCLE_LOG ?? "info").toLowerCase();
  return raw in ORDER ? (raw as LogLevel) : "info";
}

export class Logger {
  constructor(
    private level: LogLevel = levelFromEnv(),
    private readonly sink: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }
  isEnabled(level: LogLevel): boolean {
    return ORDER[level] <= ORDER[this.level];
  }
  private write(level: LogLevel, message: string): void {
    if (this.isEnabled(level)) this.sink(`${level.toUpperCase().padEnd(5)} ${message}`);
  }
  error(message: string): void {
    this.write("error", message);
  }
  warn(message: string): void {
    this.write("warn", message);
  }
  info(message: string): void {
    this.write("info", message);
  }
  debug(message: string): void {
    this.write("debug", message);
  }
}

/** The process-wide logger. */
export const log = new Logger();
