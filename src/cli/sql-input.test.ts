/**
 * The `input` table of `bicycle sql`: detection in the SQL text, format from the extension, schema
 * inference from a file, and spooling a stream to a temporary file that is removed afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inputFormatOf, inputTableFromFile, inputTableFromStdin, mentionsInputTable, spoolStdin } from "./sql-input.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bicycle-sql-input-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("input table", () => {
  test("mentionsInputTable matches the table name, not longer names or qualified columns", () => {
    expect(mentionsInputTable("SELECT * FROM input")).toBe(true);
    expect(mentionsInputTable("select * from `INPUT` where x > 1")).toBe(true);
    expect(mentionsInputTable("SELECT input_id FROM orders")).toBe(false);
    expect(mentionsInputTable("SELECT o.input FROM orders o")).toBe(false);
  });

  test("the format comes from the extension", () => {
    expect(inputFormatOf("a/b.CSV")).toBe("csv");
    expect(inputFormatOf("x.jsonl")).toBe("jsonl");
    expect(inputFormatOf("x.ndjson")).toBe("jsonl");
    expect(() => inputFormatOf("x.txt")).toThrow(/\.csv, \.jsonl/);
  });

  test("a CSV file's schema is inferred from its records", async () => {
    const path = join(dir, "orders.csv");
    await writeFile(path, "id,price,name,ts\n1,2.5,a,2024-01-01T00:00:00Z\n2,3,b,2024-01-01T00:00:01Z\n");
    const table = inputTableFromFile(path, "ts - INTERVAL '1' SECOND");
    expect(table).toEqual({ path, format: "csv", schema: { id: "BIGINT", price: "DOUBLE", name: "VARCHAR", ts: "TIMESTAMP(3)" }, watermark: "ts - INTERVAL '1' SECOND" });
    expect(() => inputTableFromFile(join(dir, "missing.csv"), null)).toThrow(/input file not found/);
  });

  test("stdin is spooled to a temporary file, inferred from, and removed", async () => {
    const text = '{"id":1,"ts":1000}\n{"id":2,"ts":2000}\n';
    const bytes = new TextEncoder().encode(text);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 7));
        controller.enqueue(bytes.subarray(7));
        controller.close();
      },
    });
    const spooled = await spoolStdin(stream);
    expect(readFileSync(spooled.path, "utf8")).toBe(text);
    expect(inputTableFromStdin(spooled, "jsonl", null).schema).toEqual({ id: "BIGINT", ts: "BIGINT" });
    await spooled.remove();
    expect(existsSync(spooled.path)).toBe(false);
    await spooled.remove();
  });

  test("empty stdin is an error naming table 'input'", async () => {
    const spooled = await spoolStdin(new ReadableStream<Uint8Array>({ start: (c) => c.close() }));
    try {
      expect(() => inputTableFromStdin(spooled, "jsonl", null)).toThrow(/standard input has no records .* table 'input'/);
    } finally {
      await spooled.remove();
    }
  });
});
