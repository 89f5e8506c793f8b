// The tick mix of one run: bench/lib/tick-gen.ts (random-walk prices, increasing seq/trade ids, live
// timestamps, a share of bad ticks), one stream per connection over its own symbols, so each
// symbol's ticks reach the server in order (a connection sends one request at a time, or frames in
// order) and good ticks are not turned into out-of-order rejects by the load tool itself.
// Every exchange name carries the run id: the run's Redis keys and PostgreSQL rows are found by it.
import { pack } from "msgpackr";
import { EXCHANGES, tickStream } from "../lib/tick-gen.ts";
import type { Format, Mode } from "./options.ts";

/** A good tick whose arrival in Redis and PostgreSQL the probe times. */
export interface Sample {
  /** `ticks:{exchange:SYMBOL}` (normalised, no key prefix) */
  zkey: string;
  exchange: string;
  symbol: string;
  /** tick ts, µs */
  ts: number;
  /** position in its batch, to drop it when the server rejected it */
  index: number;
  /** index of the session step it was sent in */
  step?: number;
  /** performance.now() when its request was sent */
  sentAt: number;
  redisAt?: number;
  pgAt?: number;
}

export interface Batch {
  body: string | Uint8Array;
  count: number;
  bad: number;
  samples: Sample[];
}

export function runId(): string {
  return "l" + Date.now().toString(36).slice(-5) + Math.floor(Math.random() * 36 ** 3).toString(36).padStart(3, "0");
}

/** Exchange names of connection `c` of run `id` (1-32 chars of [a-z0-9.-]). */
export const exchangesOf = (id: string, c: number) => EXCHANGES.map((e) => `${id}-${c}.${e}`);

const normSymbol = (s: string) => s.toUpperCase().replace(/[/_]/, "-");

export class TickSource {
  private readonly stream: ReturnType<typeof tickStream>;
  private goodSeen = 0;

  constructor(
    readonly exchanges: string[],
    symbols: number,
    seed: number,
    bad: number,
    private readonly sampleEvery: number,
  ) {
    this.stream = tickStream({ seed, symbols, badShare: bad, exchanges });
  }

  /** The next `count` ticks encoded for `mode`/`format`. Allocates the ticks and the body (outside the server). */
  batch(count: number, mode: Mode, format: Format): Batch {
    const ticks: Record<string, unknown>[] = new Array(count);
    const samples: Sample[] = [];
    let bad = 0;
    for (let i = 0; i < count; i++) {
      const { tick, bad: code } = this.stream.next();
      ticks[i] = tick;
      if (code) {
        bad++;
        continue;
      }
      if (++this.goodSeen % this.sampleEvery === 0) {
        const exchange = String(tick.exchange).toLowerCase();
        const symbol = normSymbol(String(tick.symbol));
        samples.push({ zkey: `ticks:{${exchange}:${symbol}}`, exchange, symbol, ts: Number(tick.ts), index: i, sentAt: 0 });
      }
    }
    let body: string | Uint8Array;
    if (mode === "ndjson") {
      let s = "";
      for (const t of ticks) s += JSON.stringify(t) + "\n";
      body = s;
    } else body = format === "msgpack" ? pack(ticks) : JSON.stringify(ticks);
    return { body, count, bad, samples };
  }
}
