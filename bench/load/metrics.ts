// Where the server's time goes, from its own /metrics scraped before and after a step: mean
// server-side ack time, Kafka sendBatch time and records per send (validator workers), and the
// sink's batch size and Redis / PostgreSQL / whole-flush times. Means over the step (sum / count of
// each histogram's difference), so they line up with the client's view of the same seconds.
export type Scrape = Map<string, number>;

/** Sums every series of each metric name (labels dropped). */
export async function scrape(url: string): Promise<Scrape | null> {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    const m: Scrape = new Map();
    for (const line of text.split("\n")) {
      if (!line || line[0] === "#") continue;
      const sp = line.lastIndexOf(" ");
      const brace = line.indexOf("{");
      const name = brace > 0 && brace < sp ? line.slice(0, brace) : line.slice(0, sp);
      const label = brace > 0 && brace < sp ? line.slice(brace, line.lastIndexOf("}") + 1) : "";
      const v = Number(line.slice(sp + 1));
      if (!Number.isFinite(v)) continue;
      m.set(name, (m.get(name) ?? 0) + v);
      // Keep the per-target sink write times apart.
      const target = /target="(\w+)"/.exec(label)?.[1];
      if (target) m.set(`${name}:${target}`, (m.get(`${name}:${target}`) ?? 0) + v);
    }
    return m;
  } catch {
    return null;
  }
}

export interface ServerBreakdown {
  /** mean time from receipt to answer inside the server, ms */
  serverAckMeanMs: number | null;
  kafkaSends: number;
  kafkaSendMeanMs: number | null;
  recordsPerSend: number | null;
  sinkBatches: number;
  sinkRowsPerBatch: number | null;
  sinkRedisMeanMs: number | null;
  sinkPgMeanMs: number | null;
  sinkFlushMeanMs: number | null;
}

export function breakdown(a: Scrape | null, b: Scrape | null, ticks: number): ServerBreakdown | null {
  if (!a || !b) return null;
  const d = (k: string) => (b.get(k) ?? 0) - (a.get(k) ?? 0);
  const mean = (name: string, scale: number) => {
    const n = d(`${name}_count`);
    return n > 0 ? Math.round((d(`${name}_sum`) / n) * scale * 100) / 100 : null;
  };
  const sends = d("tickgate_kafka_produce_seconds_count");
  const batches = d("tickgate_sink_flush_seconds_count");
  return {
    serverAckMeanMs: mean("tickgate_request_ack_seconds", 1000),
    kafkaSends: sends,
    kafkaSendMeanMs: mean("tickgate_kafka_produce_seconds", 1000),
    recordsPerSend: sends > 0 ? Math.round(ticks / sends) : null,
    sinkBatches: batches,
    sinkRowsPerBatch: batches > 0 ? Math.round(d("tickgate_sink_batch_rows_sum") / batches) : null,
    sinkRedisMeanMs: (() => {
      const n = d("tickgate_sink_write_seconds_count:redis");
      return n > 0 ? Math.round((d("tickgate_sink_write_seconds_sum:redis") / n) * 1000 * 100) / 100 : null;
    })(),
    sinkPgMeanMs: (() => {
      const n = d("tickgate_sink_write_seconds_count:pg");
      return n > 0 ? Math.round((d("tickgate_sink_write_seconds_sum:pg") / n) * 1000 * 100) / 100 : null;
    })(),
    sinkFlushMeanMs: mean("tickgate_sink_flush_seconds", 1000),
  };
}
