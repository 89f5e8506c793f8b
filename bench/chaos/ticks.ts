// The chaos run's ticks, each with an identity the loss account can find again in Kafka, Redis and
// PostgreSQL: trades `exchange:symbol:trade:tradeId`, quotes `exchange:symbol:quote:seq`.
// Good ticks come from bench/lib/tick-gen.ts (increasing trade ids and per-stream seqs, live ts);
// its bad ticks are not used, as some carry no identity (a crossed quote has no seq, a candle
// neither). The bad ticks here are trades with a negative price and a trade id of their own.
import { normalised, prng, tickStream } from "../lib/tick-gen.ts";

/** The identity of a normalised tick (a Kafka valid record, a Redis member, a tick as sent after normalised()). */
export function identityOf(t: { type?: unknown; exchange?: unknown; symbol?: unknown; tradeId?: unknown; seq?: unknown }): string {
  return `${t.exchange}:${t.symbol}:${t.type}:${t.type === "trade" ? t.tradeId : t.seq}`;
}

/** The identity of a tick as a client sent it (a rejected record's `original`). */
export const identityOfSent = (t: Record<string, unknown>) => identityOf(normalised(t));

export interface ChaosBatch {
  body: string;
  ids: string[];
  /** ids[i] was made to be rejected */
  bad: boolean[];
}

/** One connection's tick stream over its own exchanges: a symbol's ticks reach the server in order. */
export class ChaosTicks {
  private readonly stream: ReturnType<typeof tickStream>;
  private readonly rand: () => number;
  private badSeq = 0;

  constructor(readonly exchanges: string[], symbols: number, seed: number, private readonly badShare: number) {
    this.stream = tickStream({ seed, symbols, exchanges, badShare: 0 });
    this.rand = prng(seed ^ 0x5eed);
  }

  /** The next `count` ticks as a JSON array body. Allocates the ticks and the body (outside the server). */
  batch(count: number): ChaosBatch {
    const ticks: Record<string, unknown>[] = new Array(count);
    const ids: string[] = new Array(count);
    const bad: boolean[] = new Array(count);
    for (let i = 0; i < count; i++) {
      let t: Record<string, unknown>;
      if (this.rand() < this.badShare) {
        const s = this.stream.states[Math.floor(this.rand() * this.stream.states.length)];
        t = { type: "trade", exchange: s.exchange, symbol: s.symbol, ts: Date.now(), price: -s.price, size: 1, side: "buy", tradeId: `bad-${++this.badSeq}` };
        bad[i] = true;
      } else {
        t = this.stream.next().tick;
        bad[i] = false;
      }
      ticks[i] = t;
      ids[i] = identityOfSent(t);
    }
    return { body: JSON.stringify(ticks), ids, bad };
  }
}
