// The table migrate() creates has exactly the columns the COPY lines are written for, in that order
// (COLUMNS follows the table; test/kafka/tick-fields.test.ts holds COLUMNS to TICK_FIELDS).
import { expect, test } from "bun:test";
import postgres from "postgres";
import { loadConfig } from "../../src/config.ts";
import { COLUMNS } from "../../src/sink/pg-row.ts";
import { migrate } from "../../src/sink/pg-schema.ts";

test("migrate() creates the COPY columns, in COLUMNS order", async () => {
  const config = loadConfig({ ...process.env, LOG_LEVEL: "error" });
  const sql = postgres(config.DATABASE_URL, { max: 1, onnotice: () => {} });
  const table = `schema_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  try {
    await migrate(sql, { table, log: () => {} });
    const rows = await sql`select column_name from information_schema.columns where table_name = ${table} order by ordinal_position`;
    expect(rows.map((r) => r.column_name)).toEqual([...COLUMNS]);
  } finally {
    await sql.unsafe(`drop table if exists ${table}`).catch(() => {});
    await sql.end({ timeout: 2 });
  }
});
