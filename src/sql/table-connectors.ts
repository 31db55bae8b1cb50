/**
 * @module sql/table-connectors
 * CREATE TABLE ... WITH ('connector' = '...') -> a TableDef whose source and sink nodes are the same
 * connector kinds the TypeScript API uses. Options follow Flink's names where Flink has the connector:
 *
 * | connector | source | sink | options |
 * |---|---|---|---|
 * | nexmark   | yes | - | table (bid, auction, person), events, rate, seed, out-of-orderness |
 * | datagen   | yes | - | number-of-rows, rows-per-second, seed, fields.<col>.kind/min/max/start/length |
 * | file / filesystem | yes | yes | path, format (csv, json), csv.field-delimiter, csv.header |
 * | stdin     | yes | - | format (csv, json) |
 * | stdout / print | - | yes | format (table, json, csv) |
 * | kafka     | yes | yes | topic, properties.bootstrap.servers, format (json), scan.startup.mode, scan.bounded.mode, sink.delivery-guarantee, sink.transactional-id-prefix |
 * | blackhole | - | yes | |
 * | pulsar    | (not in this build: refused with the reason) |
 *
 * Every option is checked here, at CREATE TABLE, with the option's position in the message; unknown
 * options get a "did you mean". The time attribute: `WATERMARK FOR ts AS ts - INTERVAL 'n' unit`
 * makes `ts` the event time of each row with an n-unit bounded-out-of-orderness watermark.
 */
import { parseKafkaSinkOptions, PULSAR_UNAVAILABLE_MESSAGE, type ColumnType } from "../connectors/index.ts";
import type { SqlType } from "../operators/index.ts";
import type { CreateTable, Pos } from "./ast.ts";
import type { NodeTemplate, TableColumn, TableDef } from "./catalog.ts";
import { didYouMean, SqlError } from "./errors.ts";
import { toColumnType, typeName } from "./types.ts";

type Options = CreateTable["options"];

/** Reads a table's WITH options, tracking which were used so leftovers are reported. */
class OptionReader {
  private readonly used = new Set<string>(["connector"]);

  constructor(
    private readonly options: Options,
    private readonly table: string,
    private readonly pos: Pos,
  ) {}

  string(key: string): string | undefined {
    this.used.add(key);
    return this.options.get(key)?.value;
  }

  required(key: string, what: string): string {
    const v = this.string(key);
    if (v === undefined) throw new SqlError(`table '${this.table}' needs option '${key}' (${what})`, this.pos);
    return v;
  }

  number(key: string, check: (n: number) => boolean, what: string): number | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || !check(n)) throw new SqlError(`option '${key}' of table '${this.table}' must be ${what}, got '${v}'`, this.options.get(key)!.pos);
    return n;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.string(key);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) throw new SqlError(`option '${key}' of table '${this.table}' must be one of ${allowed.map((a) => `'${a}'`).join(", ")}, got '${v}'`, this.options.get(key)!.pos);
    return v as T;
  }

  /** Keys matching a prefix (datagen's fields.<col>.*). */
  withPrefix(prefix: string): [string, string, Pos][] {
    const out: [string, string, Pos][] = [];
    for (const [k, v] of this.options) {
      if (k.startsWith(prefix)) {
        this.used.add(k);
        out.push([k, v.value, v.pos]);
      }
    }
    return out;
  }

  /** Fail on any option nobody read. */
  finish(known: readonly string[]): void {
    for (const [key, { pos }] of this.options) {
      if (!this.used.has(key)) throw new SqlError(`unknown option '${key}' for this connector${didYouMean(key, known)}`, pos);
    }
  }
}

const NEXMARK_COLUMNS: Readonly<Record<string, readonly (readonly [string, SqlType])[]>> = {
  bid: [["auction", "BIGINT"], ["bidder", "BIGINT"], ["price", "BIGINT"], ["channel", "VARCHAR"], ["url", "VARCHAR"], ["dateTime", "TIMESTAMP"], ["extra", "VARCHAR"]],
  auction: [
    ["id", "BIGINT"],
    ["itemName", "VARCHAR"],
    ["description", "VARCHAR"],
    ["initialBid", "BIGINT"],
    ["reserve", "BIGINT"],
    ["dateTime", "TIMESTAMP"],
    ["expires", "TIMESTAMP"],
    ["seller", "BIGINT"],
    ["category", "BIGINT"],
    ["extra", "VARCHAR"],
  ],
  person: [["id", "BIGINT"], ["name", "VARCHAR"], ["emailAddress", "VARCHAR"], ["creditCard", "VARCHAR"], ["city", "VARCHAR"], ["state", "VARCHAR"], ["dateTime", "TIMESTAMP"], ["extra", "VARCHAR"]],
};

/** Nexmark's 4 s bounded out-of-orderness (the generator's default watermark). */
export const NEXMARK_WATERMARK_MS = 4000;

export interface NexmarkTableOptions {
  readonly events: number;
  /** Event-time rate, events/s (default 10,000). */
  readonly rate?: number;
  readonly seed?: number;
  /** Lag each event's dateTime by up to this many ms (default 0; tests use the 4 s watermark bound). */
  readonly outOfOrdernessMs?: number;
}

/** The built-in `nexmark.<table>` with every column, time attribute dateTime, 4 s watermark. */
export function nexmarkTable(table: "bid" | "auction" | "person", options: NexmarkTableOptions): TableDef {
  const columns = NEXMARK_COLUMNS[table]!.map(([name, type]) => ({ name, type, nullable: false }));
  return nexmarkDef(`nexmark.${table}`, table, columns, "dateTime", NEXMARK_WATERMARK_MS, options);
}

function nexmarkDef(name: string, table: string, columns: readonly TableColumn[], rowtime: string | null, delayMs: number, options: NexmarkTableOptions): TableDef {
  return {
    name,
    columns,
    rowtime,
    source: () => ({
      kind: "source:nexmark",
      name: `Nexmark(${table})`,
      config: {
        table,
        events: options.events,
        ...(options.rate === undefined ? {} : { rate: options.rate }),
        ...(options.seed === undefined ? {} : { seed: options.seed }),
        ...(options.outOfOrdernessMs === undefined ? {} : { outOfOrdernessMs: options.outOfOrdernessMs }),
        batchSize: 1024,
        watermarks: { maxOutOfOrdernessMs: delayMs, idleTimeoutMs: 0 },
      },
    }),
    sink: () => null,
  };
}

/** A text (CSV / JSON lines) table read by the file or stdin source: `input` of `bicycle sql`, or CREATE TABLE. */
export function textTable(
  name: string,
  columns: readonly TableColumn[],
  source: { readonly path: string | null; readonly format: "csv" | "jsonl"; readonly delimiter?: string; readonly header?: boolean },
  rowtime: string | null,
  delayMs: number,
): TableDef {
  const schema: Record<string, ColumnType> = {};
  for (const c of columns) schema[c.name] = toColumnType(c.type) as ColumnType;
  return {
    name,
    columns,
    rowtime,
    source: () => {
      const config: Record<string, unknown> = { format: source.format, schema, batchSize: 1024 };
      if (source.path !== null) config.path = source.path;
      if (source.delimiter !== undefined) config.delimiter = source.delimiter;
      if (source.header !== undefined) config.header = source.header;
      if (rowtime !== null) {
        config.timestampField = rowtime;
        // delayMs < 0: no watermarks while reading, only the final one at the end of the input
        if (delayMs >= 0) config.watermarks = { maxOutOfOrdernessMs: delayMs, idleTimeoutMs: 0 };
      }
      return source.path === null
        ? { kind: "source:stdin", name: `Stdin(${name})`, config, parallelism: 1 }
        : { kind: "source:file", name: `File(${name})`, config };
    },
    sink: () => null,
  };
}

/** A TableDef from CREATE TABLE. `delayMs` is the watermark's bound (from the WATERMARK clause). */
export function createTableDef(stmt: CreateTable, columns: readonly TableColumn[], rowtime: string | null, delayMs: number): TableDef {
  const name = stmt.name.join(".");
  const connectorOption = stmt.options.get("connector");
  if (connectorOption === undefined) throw new SqlError(`table '${name}' needs WITH ('connector' = '...'): one of ${CONNECTORS.join(", ")}`, stmt.pos);
  const connector = connectorOption.value;
  const options = new OptionReader(stmt.options, name, stmt.pos);
  const appendOnly = (kind: string, display: string) => (sinkColumns: readonly TableColumn[], updating: boolean, pos: Pos): NodeTemplate => {
    if (updating) {
      throw new SqlError(`table '${name}' (${connector}) accepts only appended rows, but the query produces updates (GROUP BY without a window); aggregate in a window or write to a stdout/print table`, pos);
    }
    checkSinkColumns(name, columns, sinkColumns, pos);
    return { kind, name: display, config: {} };
  };
  const timeConfig = (): Record<string, unknown> => (rowtime === null ? {} : { timestampField: rowtime, watermarks: { maxOutOfOrdernessMs: delayMs, idleTimeoutMs: 0 } });

  switch (connector) {
    case "nexmark": {
      const table = options.oneOf("table", ["bid", "auction", "person"] as const, "bid");
      const events = options.number("events", (n) => Number.isInteger(n) && n >= 0, "a whole number of events") ?? 1_000_000;
      const rate = options.number("rate", (n) => Number.isInteger(n) && n > 0, "a positive whole number of events/s");
      const seed = options.number("seed", (n) => Number.isInteger(n), "a whole number");
      options.finish(["connector", "table", "events", "rate", "seed"]);
      const available = new Map(NEXMARK_COLUMNS[table]!.map(([n, t]) => [n, t]));
      for (const c of stmt.columns) {
        const t = available.get(c.name);
        if (t === undefined) throw new SqlError(`nexmark table '${table}' has no column '${c.name}'${didYouMean(c.name, available.keys())}`, c.pos);
        if (c.type !== null && c.type !== t && !(t === "BIGINT" && c.type === "INT")) {
          throw new SqlError(`column '${c.name}' of nexmark table '${table}' is ${typeName(t)}, declared ${typeName(c.type)}`, c.pos);
        }
      }
      if (rowtime !== null && rowtime !== "dateTime") throw new SqlError(`nexmark rows carry their event time in 'dateTime': declare WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND`, stmt.watermark!.pos);
      return nexmarkDef(name, table, columns, rowtime, rowtime === null ? NEXMARK_WATERMARK_MS : delayMs, {
        events,
        ...(rate === undefined ? {} : { rate }),
        ...(seed === undefined ? {} : { seed }),
      });
    }
    case "datagen": {
      const rows = options.number("number-of-rows", (n) => Number.isInteger(n) && n >= 0, "a whole number of rows");
      const rate = options.number("rows-per-second", (n) => Number.isInteger(n) && n > 0, "a positive whole number") ?? 10_000;
      const seed = options.number("seed", (n) => Number.isInteger(n), "a whole number") ?? 0;
      const fields = datagenFields(options, columns, name);
      options.finish(["connector", "number-of-rows", "rows-per-second", "seed", "fields.<column>.kind", "fields.<column>.min", "fields.<column>.max", "fields.<column>.start", "fields.<column>.length"]);
      if (rows === undefined) throw new SqlError(`table '${name}' needs option 'number-of-rows': unbounded datagen tables are not supported`, stmt.pos);
      return {
        name,
        columns,
        rowtime,
        source: () => ({ kind: "source:datagen", name: `DataGen(${name})`, config: { rows, rowsPerSecond: rate, seed, columns: fields, batchSize: 1024, ...timeConfig() } }),
        sink: () => null,
      };
    }
    case "file":
    case "filesystem": {
      const path = options.required("path", "the file to read, or the directory to write part files to");
      const format = options.oneOf("format", ["csv", "json", "jsonl"] as const, "json");
      const delimiter = options.string("csv.field-delimiter");
      const header = options.oneOf("csv.header", ["true", "false"] as const, "true");
      options.finish(["connector", "path", "format", "csv.field-delimiter", "csv.header"]);
      const text = textTable(name, columns, { path, format: format === "csv" ? "csv" : "jsonl", ...(delimiter === undefined ? {} : { delimiter }), header: header === "true" }, rowtime, delayMs);
      return {
        ...text,
        sink: (sinkColumns, updating, pos) => {
          appendOnly("sink:file", name)(sinkColumns, updating, pos);
          if (format === "csv") throw new SqlError(`file table '${name}': writing CSV is not supported; use 'format' = 'json' (JSON lines)`, pos);
          return { kind: "sink:file", name: `FileSink(${name})`, config: { path, format: "jsonl" } };
        },
      };
    }
    case "stdin": {
      const format = options.oneOf("format", ["csv", "json", "jsonl"] as const, "json");
      options.finish(["connector", "format"]);
      return textTable(name, columns, { path: null, format: format === "csv" ? "csv" : "jsonl" }, rowtime, delayMs);
    }
    case "stdout":
    case "print": {
      const format = options.oneOf("format", ["table", "json", "csv"] as const, "json");
      options.finish(["connector", "format"]);
      return {
        name,
        columns,
        rowtime: null,
        source: () => null,
        sink: (sinkColumns, updating, pos) => {
          checkSinkColumns(name, columns, sinkColumns, pos);
          return { kind: "sink:stdout", name: `Stdout(${name})`, config: { format, columns: columns.map((c) => ({ name: c.name, type: c.type })), updating } };
        },
      };
    }
    case "blackhole": {
      options.finish(["connector"]);
      return { name, columns, rowtime: null, source: () => null, sink: (sinkColumns, _updating, pos) => (checkSinkColumns(name, columns, sinkColumns, pos), { kind: "sink:discard", name: `Blackhole(${name})`, config: {} }) };
    }
    case "kafka": {
      const topic = options.required("topic", "the Kafka topic");
      const servers = options.required("properties.bootstrap.servers", "host:port of the brokers, comma-separated");
      options.oneOf("format", ["json"] as const, "json");
      const startup = options.oneOf("scan.startup.mode", ["earliest-offset", "latest-offset"] as const, "earliest-offset");
      const bounded = options.oneOf("scan.bounded.mode", ["unbounded", "latest-offset"] as const, "unbounded");
      const delivery = options.oneOf("sink.delivery-guarantee", ["none", "at-least-once", "exactly-once"] as const, "at-least-once");
      const txPrefix = options.string("sink.transactional-id-prefix");
      options.finish(["connector", "topic", "properties.bootstrap.servers", "format", "scan.startup.mode", "scan.bounded.mode", "sink.delivery-guarantee", "sink.transactional-id-prefix"]);
      const connection = { bootstrapServers: servers.split(",").map((s) => s.trim()) };
      return {
        name,
        columns,
        rowtime,
        source: () => ({
          kind: "source:kafka",
          name: `KafkaSource(${name})`,
          config: {
            connection,
            topics: [topic],
            startFrom: startup === "earliest-offset" ? "earliest" : "latest",
            bounded: bounded === "latest-offset",
            format: "json",
            batchSize: 1024,
            ...(rowtime === null ? {} : { timestampField: rowtime, watermarks: { maxOutOfOrdernessMs: delayMs } }),
          },
        }),
        sink: (sinkColumns, updating, pos, job) => {
          appendOnly("sink:kafka", name)(sinkColumns, updating, pos);
          if (delivery === "exactly-once" && txPrefix === undefined) throw new SqlError(`table '${name}': 'sink.delivery-guarantee' = 'exactly-once' needs 'sink.transactional-id-prefix'`, pos);
          // The job's checkpoint interval, as the TypeScript API's sinkToKafka passes it (transaction timeout check).
          const config = { connection, topic, format: "json", delivery, ...(txPrefix === undefined ? {} : { transactionalIdPrefix: txPrefix }), checkpointIntervalMs: job.checkpointIntervalMs };
          try {
            parseKafkaSinkOptions(config, `table '${name}'`);
          } catch (error) {
            throw new SqlError((error as Error).message, pos);
          }
          return { kind: "sink:kafka", name: `KafkaSink(${name})`, config };
        },
      };
    }
    case "pulsar":
      throw new SqlError(`table '${name}': ${PULSAR_UNAVAILABLE_MESSAGE}`, connectorOption.pos);
    default:
      throw new SqlError(`unknown connector '${connector}'${didYouMean(connector, CONNECTORS)}`, connectorOption.pos);
  }
}

export const CONNECTORS = ["nexmark", "datagen", "file", "filesystem", "stdin", "stdout", "print", "kafka", "blackhole", "pulsar"];

/** A sink table takes the query's columns by position; names may differ, types must be assignable. */
function checkSinkColumns(table: string, declared: readonly TableColumn[], produced: readonly TableColumn[], pos: Pos): void {
  if (declared.length !== produced.length) {
    throw new SqlError(`table '${table}' has ${declared.length} columns (${declared.map((c) => c.name).join(", ")}), but the query produces ${produced.length} (${produced.map((c) => c.name).join(", ")})`, pos);
  }
  declared.forEach((d, i) => {
    const p = produced[i]!;
    const ok = p.type === d.type || p.type === "NULL" || (p.type === "INT" && (d.type === "BIGINT" || d.type === "DOUBLE")) || (p.type === "BIGINT" && d.type === "DOUBLE");
    if (!ok) throw new SqlError(`column ${i + 1} of the query ('${p.name}', ${typeName(p.type)}) cannot be written to column '${d.name}' (${typeName(d.type)}) of table '${table}'`, pos);
  });
}

function datagenFields(options: OptionReader, columns: readonly TableColumn[], table: string): Record<string, unknown>[] {
  const byColumn = new Map<string, Record<string, unknown>>();
  for (const c of columns) byColumn.set(c.name, { name: c.name, type: c.type, kind: "random" });
  for (const [key, value, pos] of options.withPrefix("fields.")) {
    const m = /^fields\.(.+)\.(kind|min|max|start|length)$/.exec(key);
    if (m === null) throw new SqlError(`unknown datagen option '${key}': use fields.<column>.kind|min|max|start|length`, pos);
    const field = byColumn.get(m[1]!);
    if (field === undefined) throw new SqlError(`datagen option '${key}' names no column of table '${table}'${didYouMean(m[1]!, byColumn.keys())}`, pos);
    if (m[2] === "kind") {
      if (value !== "random" && value !== "sequence") throw new SqlError(`option '${key}' must be 'random' or 'sequence', got '${value}'`, pos);
      field.kind = value;
    } else {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new SqlError(`option '${key}' must be a number, got '${value}'`, pos);
      field[m[2]!] = n;
    }
  }
  return [...byColumn.values()];
}
