// One PostgreSQL write per batch, idempotent under redelivery.
//
//   direct   COPY the batch straight into the table inside a transaction. COPY is all-or-nothing and
//            the unique key (exchange, symbol, ts, tick_key) rejects a tick stored before, so a
//            batch that contains one fails as a whole, stores nothing, and is then written by…
//   staging  COPY into a per-connection temp table, then INSERT … SELECT … ON CONFLICT DO NOTHING.
//
// `direct` is the default: redelivery is rare (a crash or a rebalance), and it skips the second
// write of every row (numbers in docs/sink.md). Either way a tick is stored at most once.
//
// postgres.js quirk this module works around: when a COPY fails after the stream was ended, the
// error is dropped and the stream never finishes. So we never wait on the stream's end: the next
// statement in the same transaction is what tells us — it fails (25P02) when the COPY failed.
import postgres, { type Sql } from "postgres";
import { withTimeout, TimedOut } from "../timeout.ts";
import type { SinkTick } from "./decode-record.ts";
import { COLUMNS, copyLine, rowParams } from "./pg-row.ts";
import { tableParts } from "./pg-schema.ts";
import { POISON, PoisonRecord, sinkErrors } from "./sink-errors.ts";

export type PgWriteMode = "direct" | "staging";

export interface PgWriterOptions {
  table?: string;
  mode?: PgWriteMode;
  /** Bound on one batch write (the transaction) before it counts as failed and is retried. */
  timeoutMs?: number;
}

export interface PgWriteResult {
  /** Rows newly stored (redelivered ticks are not counted). */
  inserted: number;
  /** Which path stored the batch. */
  path: PgWriteMode | "rows";
  poison: Map<number, PoisonRecord>;
}

export function pgClient(url: string, extra: postgres.Options<{}> = {}): Sql {
  return postgres(url, {
    max: 1, // one batch at a time; COPY doesn't benefit from a pool
    onnotice: () => {}, // "relation already exists, skipping" from the temp table, every batch
    connect_timeout: 5,
    idle_timeout: 0,
    max_lifetime: null,
    connection: { application_name: "tickgate-sink", statement_timeout: 30000 } as any,
    ...extra,
  });
}

const quoteIdent = (s: string) => '"' + s.replace(/"/g, '""') + '"';
const COLS = COLUMNS.map(quoteIdent).join(", ");

/** True for errors that say "the database can't take it now" rather than "this data is wrong". */
export function isTransient(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  // SQLSTATE classes 22 (data exception) and 23 (integrity) are about the rows; 25P02 is what the
  // statement after a failed COPY gets. Everything else — connection errors (postgres.js codes,
  // ECONNREFUSED, 08xxx, 57P01 admin shutdown), a missing table, a timeout — is retried.
  return !(typeof code === "string" && (/^2[23][0-9A-Z]{3}$/.test(code) || code === "25P02"));
}

export function createPgWriter(sql: Sql, opts: PgWriterOptions = {}) {
  const table = opts.table ?? "ticks";
  const { schema, name } = tableParts(table);
  const target = schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);
  const stage = quoteIdent(`tickgate_stage_${name}`);
  const mode = opts.mode ?? "direct";
  const timeoutMs = opts.timeoutMs ?? 30_000;

  async function copyIn(tx: postgres.TransactionSql, into: string, data: Buffer) {
    const w = await tx.unsafe(`copy ${into} (${COLS}) from stdin`).writable();
    await new Promise<void>((resolve, reject) => {
      w.once("error", reject);
      w.write(data, (err) => (err ? reject(err) : resolve()));
    });
    w.end();
    // Let the stream's final() run (it sends CopyDone and leaves copy mode) before the next statement.
    await new Promise((r) => setImmediate(r));
  }

  async function viaDirect(data: Buffer, n: number): Promise<number> {
    await sql.begin(async (tx) => {
      await copyIn(tx, target, data);
      await tx`select 1`; // fails with 25P02 if the COPY failed: without it COMMIT would just roll back
    });
    return n;
  }

  async function viaStaging(data: Buffer): Promise<number> {
    let inserted = 0;
    await sql.begin(async (tx) => {
      await tx.unsafe(`create temp table if not exists ${stage} (like ${target} including defaults) on commit delete rows`);
      await copyIn(tx, stage, data);
      const r = await tx.unsafe(`insert into ${target} (${COLS}) select ${COLS} from ${stage} on conflict do nothing`);
      inserted = r.count;
    });
    return inserted;
  }

  // Rare path: a batch PostgreSQL refused for its data. Row by row, so the bad rows are found and
  // sent to the DLQ while the rest are stored (parameters, so each error names its row).
  async function viaRows(ticks: SinkTick[], skip: Set<number>) {
    let inserted = 0;
    const poison = new Map<number, PoisonRecord>();
    const ph = COLUMNS.map((_, i) => `$${i + 1}`).join(", ");
    for (let i = 0; i < ticks.length; i++) {
      if (skip.has(i)) continue;
      try {
        const r = await sql.unsafe(`insert into ${target} (${COLS}) values (${ph}) on conflict do nothing`, rowParams(ticks[i]) as any[]);
        inserted += r.count;
      } catch (e) {
        if (isTransient(e)) throw sinkErrors.pg(e);
        poison.set(i, new PoisonRecord(POISON.pgData, `postgres: ${(e as Error).message}`));
      }
    }
    return { inserted, poison };
  }

  async function write(ticks: SinkTick[], skip: Set<number> = new Set()): Promise<PgWriteResult> {
    let text = "";
    let n = 0;
    for (let i = 0; i < ticks.length; i++) {
      if (skip.has(i)) continue;
      text += copyLine(ticks[i]);
      n++;
    }
    if (n === 0) return { inserted: 0, path: mode, poison: new Map() };
    const data = Buffer.from(text);
    // A write that does not answer in time counts as an outage (retried like one); every other
    // error leaves run() already mapped.
    return withTimeout(timeoutMs, run(ticks, skip, data, n), "postgres write").catch((e) => {
      throw e instanceof TimedOut ? sinkErrors.pg(e) : e;
    });
  }

  async function run(ticks: SinkTick[], skip: Set<number>, data: Buffer, n: number): Promise<PgWriteResult> {
    if (mode === "direct") {
      try {
        return { inserted: await viaDirect(data, n), path: "direct", poison: new Map() };
      } catch (e) {
        // Connection trouble: retry later. Anything else (a stored tick → unique violation,
        // surfacing as 25P02 here) goes the dedupe path.
        if (isTransient(e)) throw sinkErrors.pg(e);
      }
    }
    try {
      return { inserted: await viaStaging(data), path: "staging", poison: new Map() };
    } catch (e) {
      if (isTransient(e)) throw sinkErrors.pg(e);
    }
    const r = await viaRows(ticks, skip);
    return { ...r, path: "rows" };
  }

  async function ping(): Promise<boolean> {
    try {
      await sql`select 1`;
      return true;
    } catch {
      return false;
    }
  }

  return { write, ping, mode };
}

export type PgWriter = ReturnType<typeof createPgWriter>;
