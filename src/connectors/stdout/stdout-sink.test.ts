/**
 * The stdout sink's formats (tableau rows and header, JSON lines, CSV), its config validation, and
 * the whole-record chunked writer.
 */
import { describe, expect, test } from "bun:test";
import { createBatch, PlanError } from "../../core/index.ts";
import { formatCsvHeader, formatCsvRow, formatInterval, formatJsonRow, formatTableHeader, formatTableRow, formatTimestamp, type StdoutColumn } from "./row-format.ts";
import { parseStdoutSinkConfig, PIPE_BUF_BYTES, StdoutSink, writeWholeRecords } from "./stdout-sink.ts";

const COLUMNS: StdoutColumn[] = [
  { name: "id", type: "BIGINT" },
  { name: "name", type: "VARCHAR" },
  { name: "price", type: "DOUBLE" },
  { name: "ok", type: "BOOLEAN" },
  { name: "ts", type: "TIMESTAMP" },
];
const TS = Date.UTC(2024, 0, 2, 3, 4, 5, 6);

describe("values", () => {
  test("timestamps print as yyyy-MM-dd HH:mm:ss.SSS in UTC", () => {
    expect(formatTimestamp(0)).toBe("1970-01-01 00:00:00.000");
    expect(formatTimestamp(TS)).toBe("2024-01-02 03:04:05.006");
  });

  test("intervals print as +D HH:mm:ss.SSS", () => {
    expect(formatInterval(90_061_001)).toBe("+1 01:01:01.001");
    expect(formatInterval(-2000)).toBe("-0 00:00:02.000");
  });
});

describe("table", () => {
  test("header: borders and names sized by type, numbers right-aligned, strings left", () => {
    const header = formatTableHeader(COLUMNS, false).split("\n");
    expect(header).toEqual([
      "+----+----------------------+--------------------------------+----------------------+--------+-------------------------+",
      "| op |                   id | name                           |                price | ok     | ts                      |",
      "+----+----------------------+--------------------------------+----------------------+--------+-------------------------+",
      "",
    ]);
  });

  test("rows line up with the header; NULL is <NULL>; long strings end in ...", () => {
    const row = formatTableRow({ id: 1001, name: "x".repeat(40), price: 2.5, ok: true, ts: TS }, COLUMNS);
    expect(row).toBe(`| +I |                 1001 | ${"x".repeat(27)}... |                  2.5 | TRUE   | 2024-01-02 03:04:05.006 |`);
    const nulls = formatTableRow({ id: null, $op: "+U" }, COLUMNS);
    expect(nulls).toBe("| +U |               <NULL> | <NULL>                         |               <NULL> | <NULL> | <NULL>                  |");
    const headerLine = formatTableHeader(COLUMNS, true).split("\n")[1]!;
    expect(row.length).toBe(headerLine.length);
    expect(nulls.length).toBe(headerLine.length);
  });

  test("a column name wider than its type widens the column; newlines in strings are escaped", () => {
    const cols: StdoutColumn[] = [{ name: "a_rather_long_column_name", type: "INT" }, { name: "s", type: "VARCHAR" }];
    expect(formatTableHeader(cols, false).split("\n")[1]).toBe(`| op | a_rather_long_column_name | s${" ".repeat(29)} |`);
    expect(formatTableRow({ a_rather_long_column_name: 7, s: "a\nb" }, cols)).toBe(`| +I | ${"7".padStart(25)} | a\\nb${" ".repeat(26)} |`);
  });
});

describe("json", () => {
  test("one object per row, columns in order, timestamps as text, NULL as null", () => {
    const line = formatJsonRow({ ts: TS, ok: false, price: null, name: "a\"b", id: 1, extra: 9 }, COLUMNS, false);
    expect(line).toBe('{"id":1,"name":"a\\"b","price":null,"ok":false,"ts":"2024-01-02 03:04:05.006"}');
    expect(Object.keys(JSON.parse(line) as object)).toEqual(["id", "name", "price", "ok", "ts"]);
  });

  test("updating rows carry op first (+I when the row has no $op)", () => {
    const cols: StdoutColumn[] = [{ name: "k", type: "VARCHAR" }, { name: "n", type: "BIGINT" }];
    expect(formatJsonRow({ $op: "+U", k: "a", n: 2 }, cols, true)).toBe('{"op":"+U","k":"a","n":2}');
    expect(formatJsonRow({ k: "a", n: 1 }, cols, true)).toBe('{"op":"+I","k":"a","n":1}');
  });
});

describe("csv", () => {
  test("header with op first when updating", () => {
    expect(formatCsvHeader(COLUMNS, false)).toBe("id,name,price,ok,ts\n");
    expect(formatCsvHeader([{ name: "a,b", type: "BIGINT" }], true)).toBe('op,"a,b"\n');
  });

  test("RFC 4180 quoting only when needed; NULL is empty, an empty string is \"\"", () => {
    expect(formatCsvRow({ id: 1, name: 'say "hi", twice', price: 0.5, ok: true, ts: TS }, COLUMNS, false)).toBe('1,"say ""hi"", twice",0.5,TRUE,2024-01-02 03:04:05.006');
    expect(formatCsvRow({ id: 2, name: "", price: null, ok: null, ts: null }, COLUMNS, false)).toBe('2,"",,,');
    expect(formatCsvRow({ $op: "+U", id: 3, name: "a\nb" }, COLUMNS, true)).toBe('+U,3,"a\nb",,,');
  });
});

describe("StdoutSink", () => {
  test("writes one batch as one call of whole lines", () => {
    const calls: string[][] = [];
    const sink = new StdoutSink({ format: "csv", columns: [{ name: "n", type: "BIGINT" }], updating: false }, (r) => void calls.push([...r]));
    sink.processBatch(createBatch([{ n: 1 }, { n: 2 }], [0, 0]), { collect() {}, emitWatermark() {} } as never);
    sink.processBatch(createBatch([], []), { collect() {}, emitWatermark() {} } as never);
    expect(calls).toEqual([["1\n", "2\n"]]);
  });

  test("config validation names the bad option", () => {
    const node = (config: Record<string, unknown>) => ({ name: "out", config });
    expect(parseStdoutSinkConfig(node({ format: "json", columns: [{ name: "a", type: "BIGINT" }] }))).toEqual({ format: "json", columns: [{ name: "a", type: "BIGINT" }], updating: false });
    expect(() => parseStdoutSinkConfig(node({ format: "xml", columns: [{ name: "a", type: "BIGINT" }] }))).toThrow(PlanError);
    expect(() => parseStdoutSinkConfig(node({ format: "csv", columns: [{ name: "a", type: "TEXT" }] }))).toThrow(/column/);
    expect(() => parseStdoutSinkConfig(node({ format: "csv", columns: [{ name: "a", type: "INT" }], updating: "yes" }))).toThrow(/updating/);
  });
});

describe("writeWholeRecords", () => {
  test("chunks end at record ends and stay within PIPE_BUF; partial writes and EAGAIN are retried", () => {
    const record = `${"r".repeat(99)}\n`;
    const records = Array.from({ length: 200 }, () => record);
    const writes: string[] = [];
    let call = 0;
    writeWholeRecords(records, 99, (_fd, buffer, offset, length) => {
      call++;
      if (call === 2) throw Object.assign(new Error("again"), { code: "EAGAIN" });
      const n = call === 3 ? Math.min(length, 10) : length; // one partial write
      writes.push(Buffer.from(buffer.subarray(offset, offset + n)).toString());
      return n;
    });
    const joined = writes.join("");
    expect(joined).toBe(records.join(""));
    expect(writes.every((w) => Buffer.byteLength(w) <= PIPE_BUF_BYTES)).toBe(true);
  });

  test("EPIPE drops the output without an error; other errors fail", () => {
    const epipe = () => {
      throw Object.assign(new Error("broken pipe"), { code: "EPIPE" });
    };
    expect(() => writeWholeRecords(["a\n"], 99, epipe)).not.toThrow();
    const eio = () => {
      throw Object.assign(new Error("io"), { code: "EIO" });
    };
    expect(() => writeWholeRecords(["a\n"], 99, eio)).toThrow(/cannot write to stdout/);
  });
});
