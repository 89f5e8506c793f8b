// Seeded generators of realistic ticks (random-walk prices, increasing seq and trade ids, live
// timestamps) and of bad ticks with the code they must be rejected with. Used by the tests and by
// the load tool, so both exercise the same mix.
import { prng } from "./prng.ts";

export { prng };

export const EXCHANGES = ["binance", "coinbase", "kraken", "okx"];
export const BASES = ["BTC", "ETH", "SOL", "XRP", "ADA", "DOGE", "AVAX", "DOT", "LINK", "LTC", "BCH", "ATOM"];
const QUOTES = ["USDT", "USD"];
const SEPARATORS = ["-", "/", "_"];

interface SymbolState {
  exchange: string;
  symbol: string;
  /** the mid walks on each quote; trades print at the last quote's touch */
  price: number;
  bid: number;
  ask: number;
  /** trades and quotes are separate feed streams, each with its own seq (as the checks expect) */
  tradeSeq: number;
  quoteSeq: number;
  tradeId: number;
}

export interface GenOptions {
  seed?: number;
  symbols?: number;
  /** share of bad ticks, 0..1 */
  badShare?: number;
  /** ms clock used for ts (ticks carry µs); default Date.now */
  now?: () => number;
  /** exchange names to spread the symbols over (lower case); default EXCHANGES. The load tool gives each run its own. */
  exchanges?: string[];
}

export type Bad = { tick: Record<string, unknown>; code: string };

/** A stream of ticks over `symbols` exchange:symbol pairs. `next()` returns the tick and, for a bad one, the code it must get. */
export function tickStream(opts: GenOptions = {}) {
  const rand = prng(opts.seed ?? 1);
  const now = opts.now ?? Date.now;
  const n = opts.symbols ?? 20;
  const exchanges = opts.exchanges ?? EXCHANGES;
  const states: SymbolState[] = [];
  for (let i = 0; i < n; i++) {
    const base = BASES[i % BASES.length] + (i >= BASES.length ? String(Math.floor(i / BASES.length)) : "");
    states.push({
      exchange: exchanges[i % exchanges.length],
      symbol: `${base}-${QUOTES[i % QUOTES.length]}`,
      price: 0,
      bid: 0,
      ask: 0,
      tradeSeq: 1,
      quoteSeq: 1,
      tradeId: 1_000_000 + i * 1000,
    });
  }
  for (const s of states) quoteAround(s, 10 + rand() * 50_000);

  function quoteAround(s: SymbolState, mid: number) {
    s.price = mid;
    const half = Math.max(0.01, Math.round(mid * 0.0001 * 100) / 100);
    s.bid = Math.round((mid - half) * 100) / 100;
    s.ask = Math.round((mid + half) * 100) / 100;
  }

  // Strictly increasing µs timestamps that stay within a few ms of the clock even at 1M ticks/s.
  let lastTs = 0;
  const ts = () => (lastTs = Math.max(lastTs + 1, now() * 1000));

  function good(s: SymbolState): Record<string, unknown> {
    const [base, quote] = s.symbol.split("-");
    const symbol = `${rand() < 0.5 ? base : base.toLowerCase()}${SEPARATORS[Math.floor(rand() * 3)]}${quote}`;
    const exchange = rand() < 0.8 ? s.exchange : s.exchange.toUpperCase();
    if (rand() < 0.5) {
      // A buy lifts the ask, a sell hits the bid.
      const side = rand() < 0.5 ? "buy" : "sell";
      const price = side === "buy" ? s.ask : s.bid;
      return { type: "trade", exchange, symbol, ts: ts(), price, size: Math.round((0.001 + rand() * 2) * 1e6) / 1e6, side, tradeId: s.tradeId++, seq: s.tradeSeq++ };
    }
    quoteAround(s, s.price * (1 + (rand() - 0.5) * 0.001));
    return { type: "quote", exchange, symbol, ts: ts(), bid: s.bid, bidSize: Math.round(rand() * 10 * 1e4) / 1e4, ask: s.ask, askSize: Math.round(rand() * 10 * 1e4) / 1e4, seq: s.quoteSeq++ };
  }

  // Each bad tick breaks exactly one stateless rule, so its code is known in advance.
  const BAD: ((s: SymbolState) => Bad)[] = [
    (s) => ({ tick: { type: "quote", exchange: s.exchange, symbol: s.symbol, ts: ts(), bid: s.price * 1.01, bidSize: 1, ask: s.price, askSize: 1 }, code: "quote.crossed" }),
    (s) => ({ tick: { type: "trade", exchange: s.exchange, symbol: s.symbol, ts: ts(), price: -s.price, size: 1, side: "buy", tradeId: `neg-${s.tradeId++}` }, code: "price.nonpositive" }),
    (s) => ({ tick: { type: "trade", exchange: s.exchange, symbol: s.symbol, ts: ts(), size: 1, side: "buy", tradeId: `np-${s.tradeId++}` }, code: "schema.missing_field" }),
    (s) => ({ tick: { type: "trade", exchange: s.exchange, symbol: s.symbol, ts: ts(), price: s.price, size: 1, side: "hold", tradeId: `sd-${s.tradeId++}` }, code: "side.invalid" }),
    (s) => ({ tick: { type: "candle", exchange: s.exchange, symbol: s.symbol, ts: ts() }, code: "type.unknown" }),
  ];

  return {
    states,
    next(): { tick: Record<string, unknown>; bad?: string } {
      const s = states[Math.floor(rand() * n)];
      if (rand() < (opts.badShare ?? 0)) {
        const b = BAD[Math.floor(rand() * BAD.length)](s);
        return { tick: b.tick, bad: b.code };
      }
      return { tick: good(s) };
    },
    batch(count: number) {
      return Array.from({ length: count }, () => this.next());
    },
  };
}

/** The normalised form the pipeline must produce for a good generated tick. */
export function normalised(t: Record<string, unknown>) {
  const symbol = String(t.symbol).toUpperCase().replace(/[/_]/, "-");
  const base = { type: t.type, exchange: String(t.exchange).toLowerCase(), symbol, ts: Number(t.ts) < 1e14 ? Number(t.ts) * 1000 : Number(t.ts) };
  return t.type === "trade"
    ? { ...base, price: t.price, size: t.size, side: t.side, tradeId: String(t.tradeId), ...(t.seq !== undefined ? { seq: t.seq } : {}) }
    : { ...base, bid: t.bid, bidSize: t.bidSize, ask: t.ask, askSize: t.askSize, ...(t.seq !== undefined ? { seq: t.seq } : {}) };
}
