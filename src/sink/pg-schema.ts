// Idempotent migration run at sink start (every sink process runs it; all statements are
// "if not exists", and an advisory lock keeps two processes starting together from racing).
// With the timescaledb extension: hypertable + retention policy. Without: a plain table, logged once.
import type { Sql } from "postgres";
import { log as logger } from "../log.ts";

export interface SchemaOptions {
  /** Table name, optionally schema-qualified (`myschema.ticks`); default `ticks`. */
  table?: string;
  /** TimescaleDB retention policy interval, e.g. "30 days"; "" = none. */
  retention?: string;
  log?: (msg: string) => void;
}

export interface SchemaInfo {
  table: string;
  timescale: boolean;
}

/** Splits `schema.table` so each part can be quoted on its own. */
export function tableParts(table: string): { schema: string | null; name: string } {
  const i = table.indexOf(".");
  return i < 0 ? { schema: null, name: table } : { schema: table.slice(0, i), name: table.slice(i + 1) };
}

export async function migrate(sql: Sql, opts: SchemaOptions = {}): Promise<SchemaInfo> {
  const table = opts.table ?? "ticks";
  const { schema, name } = tableParts(table);
  const log = opts.log ?? ((m: string) => logger.info(m, { component: "sink" }));
  const t = sql(table);
  // Index names are per schema; derive them from the table name so several tables can coexist.
  const uniq = sql(`${name}_dedupe_key`);
  const tsIdx = sql(`${name}_ts_idx`);

  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext(${"tickgate.schema:" + table}))`;
    const [{ available }] = await tx`select exists (select 1 from pg_available_extensions where name = 'timescaledb') as available`;
    let timescale = false;
    if (available) {
      try {
        await tx`savepoint ext`;
        await tx`create extension if not exists timescaledb`;
        timescale = true;
      } catch (e) {
        // Available but not loadable (shared_preload_libraries) or not permitted: fall back to plain.
        await tx`rollback to savepoint ext`;
        log(`timescaledb is available but could not be created (${(e as Error).message}); using a plain table`);
      }
    }
    if (schema) await tx`create schema if not exists ${tx(schema)}`;
    await tx`
      create table if not exists ${t} (
        ts timestamptz not null,
        exchange text not null,
        symbol text not null,
        type text not null,
        price double precision,
        size double precision,
        side text,
        trade_id text,
        bid double precision,
        bid_size double precision,
        ask double precision,
        ask_size double precision,
        seq bigint,
        flags text[] not null default '{}',
        recv_ts timestamptz,
        tick_key text not null
      )`;
    // The unique key includes ts so it is legal on a hypertable (unique indexes must cover the
    // partitioning column); it is what makes a redelivered tick a no-op (ON CONFLICT DO NOTHING).
    await tx`create unique index if not exists ${uniq} on ${t} (exchange, symbol, ts, tick_key)`;
    if (timescale) {
      await tx`select create_hypertable(${table}::regclass, 'ts', if_not_exists => true, migrate_data => true)`;
      if (opts.retention) {
        await tx`select add_retention_policy(${table}::regclass, ${opts.retention}::interval, if_not_exists => true)`;
      }
    } else {
      // The unique index already serves (exchange, symbol, ts) range scans; a ts index serves
      // time-only scans and retention deletes, the job the hypertable's chunks would do.
      await tx`create index if not exists ${tsIdx} on ${t} (ts)`;
      logOnce(log, "timescaledb extension not available: ticks is a plain table with a time index (no retention policy)");
    }
    return { table, timescale };
  }) as Promise<SchemaInfo>;
}

let logged = false;
function logOnce(log: (m: string) => void, msg: string) {
  if (logged) return;
  logged = true;
  log(msg);
}
