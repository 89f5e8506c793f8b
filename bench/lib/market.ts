// Seeded generator of realistic market-data streams for the quality benchmark (bench/quality.ts):
// per symbol a mid price on a random walk in log space, a top of book quantised to the symbol's tick
// grid, trades at or near the touch, and book sweeps; four regimes (calm, burst, cascade, thin) that
// change volatility, drift, activity, spreads and the quote-to-trade ratio. Several symbols (price
// magnitudes 1e5 … 1e-5) are interleaved by receive time, as one validator worker would see them.
// Everything a clean stream holds is something a real exchange sends; the checks' verdicts on it are
// what the benchmark measures, so nothing here is tuned to avoid a check.
import { prng } from "./prng.ts";

export type Regime = "calm" | "burst" | "cascade" | "thin";
export const REGIMES: readonly Regime[] = ["calm", "burst", "cascade", "thin"];

export const KIND_TRADE = 0;
export const KIND_QUOTE = 1;

export interface SymbolSpec {
  exchange: string;
  symbol: string;
  mid: number; // starting mid
  tick: number; // price increment
  lot: number; // size increment
  annualVol: number; // calm volatility, per year, of the log mid
  spreadBps: number; // typical calm spread (at least one tick)
  notional: number; // typical trade, in quote currency
  rate: number; // calm events (quote updates + trade events) per second
  intIds: boolean; // integer tradeIds (else "T<n>" strings)
}

/** One symbol per price magnitude; ticks and lots as the exchanges list them (PEPE: a coarse 8 bps tick). */
export const SYMBOLS: readonly SymbolSpec[] = [
  { exchange: "binance", symbol: "BTC-USDT", mid: 97_000, tick: 0.1, lot: 0.00001, annualVol: 0.5, spreadBps: 0.01, notional: 5_000, rate: 25, intIds: true },
  { exchange: "coinbase", symbol: "SOL-USD", mid: 150, tick: 0.01, lot: 0.001, annualVol: 0.8, spreadBps: 1.5, notional: 1_500, rate: 12, intIds: false },
  { exchange: "kraken", symbol: "XRP-USD", mid: 1.2, tick: 0.0001, lot: 0.1, annualVol: 0.9, spreadBps: 1.5, notional: 800, rate: 8, intIds: false },
  { exchange: "okx", symbol: "JASMY-USDT", mid: 0.02, tick: 0.000001, lot: 1, annualVol: 1.2, spreadBps: 5, notional: 300, rate: 4, intIds: true },
  { exchange: "bybit", symbol: "PEPE-USDT", mid: 0.0000123, tick: 0.00000001, lot: 1, annualVol: 1.4, spreadBps: 8, notional: 400, rate: 6, intIds: true },
];

/** One tick of a stream: the raw tick as a feed sends it, and beside it what the benchmark needs. */
export interface GenTick {
  id: number; // unique in its stream; clean ticks keep theirs in a faulted copy (alignment)
  sym: number; // index into the market's symbols
  kind: number; // KIND_TRADE | KIND_QUOTE (a malformed tick keeps the kind it was made from)
  raw: unknown; // what goes to validate()
  recv: number; // receive time, µs
  bytes: number; // encoded size for tick.too_large (0 = unknown, as validate() allows)
}

export interface Market {
  regime: Regime;
  symbols: readonly SymbolSpec[];
  ticks: GenTick[];
  seconds: number; // tick time covered
}

export interface MarketOptions {
  seed: number;
  regime: Regime;
  ticks: number;
  /** Quote updates per trade event in calm markets (the other regimes scale it); 4 by default. */
  quotesPerTrade?: number;
  /** Let sweeps walk 1–5 levels past the touch whatever the spread (off: at most the spread, so every trade stays inside [bid − spread, ask + spread]). */
  deepSweeps?: boolean;
}

/** 2026-01-01T00:00:00Z in µs: where every stream starts. */
export const T0 = 1_767_225_600_000_000;
const SEC = 1e6;
const YEAR_S = 365 * 86_400;

/** What a stretch of market does to the base behaviour of every symbol. */
interface Phase {
  volMult: number;
  rateMult: number;
  qtr: number; // quote updates per trade event
  sweepP: number; // share of trade events that sweep several levels
  spreadMult: number;
  minSpreadBps: number;
  drift: number; // log mid per second
  sellP: number;
  sticky: boolean; // thin books: the quote changes only now and then (repeated identical quotes)
  changeP: number; // sticky: chance a quote event changes the book
}

const CALM: Phase = { volMult: 1, rateMult: 1, qtr: 4, sweepP: 0.08, spreadMult: 1, minSpreadBps: 0, drift: 0, sellP: 0.5, sticky: false, changeP: 1 };
const THIN: Phase = { ...CALM, rateMult: 0.05, qtr: 8, sweepP: 0.02, spreadMult: 5, minSpreadBps: 15, volMult: 1.2, sticky: true, changeP: 0.25 };

/** The regime's stretches, shared by every symbol (a cascade hits the whole market at once). */
class Schedule {
  private readonly ends: number[] = [];
  private readonly phases: ((t: number) => Phase)[] = [];
  constructor(private readonly regime: Regime, private readonly rng: () => number, private readonly qScale: number) {}

  at(t: number): Phase {
    while (this.ends.length === 0 || this.ends[this.ends.length - 1]! <= t) this.extend();
    let i = 0;
    while (this.ends[i]! <= t) i++;
    return this.phases[i]!(t);
  }

  private push(seconds: number, f: (t: number) => Phase): void {
    const start = this.ends.length === 0 ? T0 : this.ends[this.ends.length - 1]!;
    this.ends.push(start + seconds * SEC);
    this.phases.push(f);
  }

  private extend(): void {
    const r = this.rng;
    const scaled = (p: Phase): Phase => ({ ...p, qtr: p.qtr * this.qScale });
    const calm = scaled(CALM);
    if (this.regime === "calm") return this.push(3600, () => calm);
    if (this.regime === "thin") return this.push(3600, () => scaled(THIN));
    // burst and cascade alternate with calm stretches; the first calm stretch is short so that a
    // small run still sees the regime.
    this.push(this.ends.length === 0 ? 15 : 30 + 60 * r(), () => calm);
    if (this.regime === "burst") {
      const p = scaled({ ...CALM, volMult: 5 + 5 * r(), rateMult: 3, sweepP: 0.2 });
      this.push(20 + 70 * r(), () => p);
      return;
    }
    // A liquidation cascade: −5…−10 % (a squeeze upwards one time in five) over 40–80 s, sweeps,
    // trade bursts, spreads widening over the first seconds.
    const seconds = 40 + 40 * r();
    const down = r() < 0.8;
    const move = 0.05 + 0.05 * r();
    const drift = Math.log(down ? 1 - move : 1 + move) / seconds;
    const widen = 3 + 5 * r();
    const start = this.ends[this.ends.length - 1]!;
    this.push(seconds, (t) => scaled({
      ...CALM, volMult: 4, rateMult: 6, qtr: 1.5, sweepP: 0.5, drift, sellP: down ? 0.75 : 0.25,
      spreadMult: 1 + (widen - 1) * Math.min(1, (t - start) / (5 * SEC)),
    }));
  }
}

const decimalsOf = (step: number) => Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));

/** Rounds to the grid of `step`, printed as a feed prints it (a decimal, no binary noise). */
export function onGrid(x: number, step: number): number {
  return Number((Math.round(x / step) * step).toFixed(decimalsOf(step)));
}

/** One symbol's feed: its book, ids and sequence numbers, and the ticks it has produced but not yet handed out. */
class Feed {
  private t = T0;
  private logMid: number;
  private tradeId = 1_000_000;
  private tseq = 5_000_000;
  private qseq = 9_000_000;
  private recvLast = 0;
  private extra = 0; // spread ticks left by the last sweep, decaying
  private bidT = 0; // current book: prices in ticks, sizes
  private askT = 0;
  private bidSize = 0;
  private askSize = 0;
  private spare = NaN; // second Box-Muller normal
  readonly queue: { raw: Record<string, unknown>; kind: number; recv: number }[] = [];
  head = 0;

  constructor(readonly spec: SymbolSpec, private readonly sched: Schedule, private readonly rng: () => number, private readonly deep: boolean) {
    this.logMid = Math.log(spec.mid);
  }

  private gauss(): number {
    if (this.spare === this.spare) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    const u = 1 - this.rng();
    const a = 2 * Math.PI * this.rng();
    const m = Math.sqrt(-2 * Math.log(u));
    this.spare = m * Math.sin(a);
    return m * Math.cos(a);
  }

  /**
   * A shock of unit variance with fat tails: Student's t with 3 degrees of freedom (a normal over
   * the root of a χ²₃ / 3), scaled by 1/√3. Returns of crypto trades at these horizons have tails
   * of about that index; a normal walk would make the outlier checks look better than they are.
   */
  private shock(): number {
    const g1 = this.gauss(), g2 = this.gauss(), g3 = this.gauss();
    return this.gauss() / Math.sqrt((g1 * g1 + g2 * g2 + g3 * g3) / 3) / Math.sqrt(3);
  }

  /** Produces the ticks of the next event (a quote update, or a quote and the trade(s) of a trade event). */
  step(): void {
    const s = this.spec;
    const ph = this.sched.at(this.t);
    const dt = -Math.log(1 - this.rng()) / (s.rate * ph.rateMult);
    this.t += Math.max(1, Math.round(dt * SEC));
    this.logMid += ph.drift * dt + (s.annualVol / Math.sqrt(YEAR_S)) * ph.volMult * Math.sqrt(dt) * this.shock();
    const ph2 = this.sched.at(this.t);
    const midT = Math.exp(this.logMid) / s.tick;
    // A sticky (thin) book keeps its quote, sizes included, unless an order arrives or the mid leaves it.
    const keep = ph2.sticky && this.askT > 0 && midT > this.bidT && midT < this.askT && this.rng() >= ph2.changeP;
    if (!keep) this.rebook(ph2, midT);
    this.quote();
    if (this.rng() < 1 / (1 + ph2.qtr)) this.trades(ph2);
  }

  private rebook(ph: Phase, midT: number): void {
    const s = this.spec;
    const bps = Math.max(s.spreadBps * ph.spreadMult, ph.minSpreadBps);
    const base = Math.max(1, bps * 1e-4 * midT); // in ticks
    const spread = Math.max(1, Math.round(base * Math.exp(0.35 * this.gauss()))) + Math.round(this.extra);
    this.extra *= 0.6;
    this.bidT = Math.round(midT - spread / 2);
    this.askT = this.bidT + spread;
    this.bidSize = this.levelSize();
    this.askSize = this.levelSize();
  }

  private levelSize(): number {
    const s = this.spec;
    return onGrid(Math.max(s.lot, (3 * s.notional / s.mid) * Math.exp(0.8 * this.gauss())), s.lot);
  }

  private emit(raw: Record<string, unknown>, kind: number): void {
    // 1–50 ms of latency, one tick in 500 a spike of 100–400 ms; a connection delivers in order,
    // so a spike delays the ticks behind it too.
    const lat = this.rng() < 0.002 ? 100_000 + 300_000 * this.rng() : 1_000 + 49_000 * this.rng() ** 2;
    this.recvLast = Math.max(this.recvLast, Math.round((raw.ts as number) + lat));
    this.queue.push({ raw, kind, recv: this.recvLast });
  }

  private quote(): void {
    const s = this.spec;
    this.emit({
      type: "quote", exchange: s.exchange, symbol: s.symbol, ts: this.t, bid: onGrid(this.bidT * s.tick, s.tick), bidSize: this.bidSize,
      ask: onGrid(this.askT * s.tick, s.tick), askSize: this.askSize, seq: ++this.qseq,
    }, KIND_QUOTE);
  }

  private tradeSize(): number {
    const s = this.spec;
    // Lognormal body, and one trade in 50 from a Pareto tail (α = 1.5: Gopikrishnan et al.), capped.
    let m = Math.exp(this.gauss());
    if (this.rng() < 0.02) m *= Math.min(3e4, (1 - this.rng()) ** (-1 / 1.5));
    return onGrid(Math.max(s.lot, (s.notional / s.mid) * m), s.lot);
  }

  private trades(ph: Phase): void {
    const s = this.spec;
    const buy = this.rng() >= ph.sellP;
    const ts = this.t + 100 + Math.floor(900 * this.rng()); // the quote, then the print(s) < 1 ms later
    const spread = this.askT - this.bidT;
    const n = this.rng() < ph.sweepP ? 2 + Math.floor(5 * this.rng()) : 1;
    // A sweep walks the book from the touch; by default at most `spread` levels past it, which keeps
    // every print inside [bid − spread, ask + spread] of the quote just sent.
    const walk = n === 1 ? 0 : this.deep ? 1 + Math.floor(5 * this.rng()) : Math.max(1, Math.floor(spread * this.rng()) + 1);
    const dir = buy ? 1 : -1;
    const touch = buy ? this.askT : this.bidT;
    for (let j = 0; j < n; j++) {
      let pT = touch + dir * Math.round((walk * j) / Math.max(1, n - 1));
      if (n === 1 && spread >= 2 && this.rng() < 0.1) pT = touch - dir; // a print inside the spread (hidden liquidity)
      const id = ++this.tradeId;
      this.emit({
        type: "trade", exchange: s.exchange, symbol: s.symbol, ts, price: onGrid(pT * s.tick, s.tick),
        size: n === 1 ? this.tradeSize() : this.levelSize(), side: buy ? "buy" : "sell", tradeId: s.intIds ? id : `T${id}`, seq: ++this.tseq,
      }, KIND_TRADE);
    }
    if (n === 1) {
      // The print took size off the level it hit: the next quote shows it (a thin book changes here).
      if (buy) this.askSize = onGrid(Math.max(s.lot, this.askSize / 2), s.lot);
      else this.bidSize = onGrid(Math.max(s.lot, this.bidSize / 2), s.lot);
    } else {
      // The sweep moved the book: the swept side is gone, the spread widens and refills over the next quotes.
      this.logMid += Math.log1p((dir * walk) / 2 / (Math.exp(this.logMid) / s.tick));
      this.extra = walk;
      this.rebook(ph, Math.exp(this.logMid) / s.tick);
    }
  }
}

/** A stream of `ticks` ticks of one regime over SYMBOLS, in receive order, ids 0…ticks−1. */
export function generateMarket(o: MarketOptions): Market {
  const rng = prng(o.seed);
  const sched = new Schedule(o.regime, prng(Math.floor(rng() * 2 ** 32)), (o.quotesPerTrade ?? 4) / 4);
  const feeds = SYMBOLS.map((spec) => new Feed(spec, sched, prng(Math.floor(rng() * 2 ** 32)), o.deepSweeps === true));
  const ticks: GenTick[] = [];
  while (ticks.length < o.ticks) {
    // Merge by receive time: the feed whose next tick arrives first (each feed delivers in order).
    let best = -1;
    for (let f = 0; f < feeds.length; f++) {
      const fd = feeds[f]!;
      while (fd.head === fd.queue.length) {
        fd.queue.length = fd.head = 0;
        fd.step();
      }
      if (best < 0 || fd.queue[fd.head]!.recv < feeds[best]!.queue[feeds[best]!.head]!.recv) best = f;
    }
    const fd = feeds[best]!;
    const q = fd.queue[fd.head++]!;
    ticks.push({ id: ticks.length, sym: best, kind: q.kind, raw: q.raw, recv: q.recv, bytes: 0 });
  }
  const last = ticks[ticks.length - 1];
  return { regime: o.regime, symbols: SYMBOLS, ticks, seconds: last ? (last.recv - T0) / SEC : 0 };
}

/**
 * The checks config an operator would write for these symbols: the registry defaults, plus per
 * symbol the tick and lot grid, a sanity band on price (÷20 … ×20 of the start) and a largest size
 * (10⁶ typical trades), and allowlists of the exchanges and symbols the feed carries.
 */
export function marketChecksConfig(symbols: readonly SymbolSpec[] = SYMBOLS): Record<string, unknown> {
  return {
    defaults: { allowedExchanges: [...new Set(symbols.map((s) => s.exchange))], allowedSymbols: [...new Set(symbols.map((s) => s.symbol))] },
    symbols: Object.fromEntries(symbols.map((s) => [`${s.exchange}:${s.symbol}`, {
      tickSize: s.tick, lotSize: s.lot, minPrice: s.mid / 20, maxPrice: s.mid * 20, maxSize: (s.notional / s.mid) * 1e6,
    }])),
  };
}
