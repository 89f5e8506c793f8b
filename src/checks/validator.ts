// The validation engine: normalise → stateless checks → stateful checks → commit. One Validator per
// worker; it owns the per-symbol state of the symbols routed to that worker. validate() never
// throws and reuses one result object, one scratch and four tick objects (one per shape), so a valid
// tick costs no allocation (see the exceptions in normalise.ts).
import type { Tick } from "../tick.ts";
import * as C from "./codes.ts";
import { fire } from "./codes.ts";
import type { ChecksConfig } from "./config.ts";
import { normalise } from "./normalise.ts";
import { CHECKS } from "./registry.ts";
import { KIND_TRADE, Scratch } from "./scratch.ts";
import { commit, priceRejected, runStateful } from "./stateful.ts";
import { runStateless } from "./stateless.ts";
import { BYTES_PER_SYMBOL, DEFAULT_MAX_SYMBOLS, SymbolStore } from "./state.ts";

/** Reused between calls: read (or copy) it before the next validate(). */
export interface ValidationResult {
  /** false iff at least one reject-severity check fired. */
  ok: boolean;
  /** The normalised tick when ok, else null. */
  tick: Tick | null;
  /** Ids of the reject checks that fired, in registry order. */
  rejects: string[];
  /** Ids of the flag checks that fired, in registry order (also on rejected ticks). */
  flags: string[];
}

export interface ValidatorStats {
  symbols: number;
  maxSymbols: number;
  evictions: number;
  bytesPerSymbol: number;
  validated: number;
  rejected: number;
  flagged: number;
}

const IDS: readonly string[] = CHECKS.map((c) => c.id);
const PRICE_BITS1 = (1 << (C.PRICE_SPIKE - 32)) | (1 << (C.PRICE_OUTLIER - 32));

// Reused output shapes: a fixed key set per shape keeps one hidden class each and never leaves an
// `undefined` key (a quote never carries `price: undefined`), so encoders see clean maps.
const newTrade = () => ({ type: "trade" as const, exchange: "", symbol: "", ts: 0, price: 0, size: 0, side: "buy" as Tick["side"], tradeId: "" });
const newTradeSeq = () => ({ ...newTrade(), seq: 0 });
const newQuote = () => ({ type: "quote" as const, exchange: "", symbol: "", ts: 0, bid: 0, bidSize: 0, ask: 0, askSize: 0 });
const newQuoteSeq = () => ({ ...newQuote(), seq: 0 });

export class Validator {
  private cfg: ChecksConfig;
  private readonly store: SymbolStore;
  private readonly c = new Scratch();
  private readonly result: ValidationResult = { ok: false, tick: null, rejects: [], flags: [] };
  private readonly trade = newTrade();
  private readonly tradeSeq = newTradeSeq();
  private readonly quote = newQuote();
  private readonly quoteSeq = newQuoteSeq();
  private validated = 0;
  private rejected = 0;
  private flagged = 0;

  constructor(config: ChecksConfig, opts: { maxSymbols?: number } = {}) {
    this.cfg = config;
    this.store = new SymbolStore(opts.maxSymbols ?? DEFAULT_MAX_SYMBOLS);
  }

  /** tick.too_large's bound: a caller may skip decoding a tick larger than this (validate fires it from the size). */
  get maxTickBytes(): number {
    return this.cfg.global.maxTickBytes;
  }

  /** Swaps thresholds and severities; per-symbol state is kept (hot reload). */
  reconfigure(config: ChecksConfig): void {
    this.cfg = config;
    this.store.reresolve((ex, sym) => config.paramsFor(ex, sym));
  }

  /** Forgets all per-symbol state (e.g. after a feed outage, or between benchmark passes). */
  reset(): void {
    this.store.clear();
  }

  stats(): ValidatorStats {
    return {
      symbols: this.store.size,
      maxSymbols: this.store.capacity,
      evictions: this.store.evictions,
      bytesPerSymbol: BYTES_PER_SYMBOL,
      validated: this.validated,
      rejected: this.rejected,
      flagged: this.flagged,
    };
  }

  /**
   * Validates one decoded tick (any value). `recvTsUs` is "now" for the clock checks; `encodedBytes`
   * is the size of the tick's encoding as it arrived (0 = unknown), for tick.too_large. Never throws.
   */
  validate(raw: unknown, recvTsUs: number, encodedBytes = 0): ValidationResult {
    const c = this.c;
    const cfg = this.cfg;
    c.reset(recvTsUs);
    // Before anything is read: a huge tick must cost nothing more than its size check.
    if (encodedBytes > cfg.global.maxTickBytes) {
      fire(c, C.TICK_TOO_LARGE);
      return this.finish(c, cfg);
    }
    try {
      normalise(raw, c, cfg.global);
      // A tracked symbol carries its resolved thresholds: one lookup serves state and config.
      const st = this.store;
      const s = c.exchange !== "" && c.symbol !== "" ? st.find(c.exchange, c.symbol) : -1;
      const p = s >= 0 ? st.params[s]! : c.exchange !== "" && c.symbol !== "" ? cfg.paramsFor(c.exchange, c.symbol) : cfg.defaults;
      runStateless(c, p, cfg.global);
      if (((c.m0 & cfg.reject0) | (c.m1 & cfg.reject1)) === 0) {
        runStateful(c, p, st, s);
        if ((c.m1 & cfg.reject1) === 0) commit(c, st, s, p);
        else if (s >= 0 && c.kind === KIND_TRADE && (c.m1 & cfg.reject1 & PRICE_BITS1) !== 0) priceRejected(st, s, p);
      }
    } catch {
      fire(c, C.SCHEMA_UNREADABLE); // exotic input only (a throwing getter or proxy)
    }
    return this.finish(c, cfg);
  }

  private finish(c: Scratch, cfg: ChecksConfig): ValidationResult {
    const r = this.result;
    const m0 = c.m0 & cfg.enabled0;
    const m1 = c.m1 & cfg.enabled1;
    const rej0 = m0 & cfg.reject0;
    const rej1 = m1 & cfg.reject1;
    r.ok = (rej0 | rej1) === 0;
    this.validated++;
    if (r.rejects.length !== 0) r.rejects.length = 0;
    if (r.flags.length !== 0) r.flags.length = 0;
    if ((m0 | m1) !== 0) {
      emit(r.rejects, rej0, 0);
      emit(r.rejects, rej1, 32);
      emit(r.flags, m0 & ~rej0, 0);
      emit(r.flags, m1 & ~rej1, 32);
      if (r.flags.length !== 0) this.flagged++;
    }
    if (!r.ok) {
      this.rejected++;
      r.tick = null;
      return r;
    }
    r.tick = this.fill(c);
    return r;
  }

  private fill(c: Scratch): Tick {
    const hasSeq = c.seq === c.seq;
    if (c.kind === KIND_TRADE) {
      const t = hasSeq ? this.tradeSeq : this.trade;
      t.exchange = c.exchange;
      t.symbol = c.symbol;
      t.ts = c.ts;
      t.price = c.price;
      t.size = c.size;
      t.side = c.side;
      t.tradeId = c.tradeId;
      if (hasSeq) this.tradeSeq.seq = c.seq;
      return t;
    }
    const q = hasSeq ? this.quoteSeq : this.quote;
    q.exchange = c.exchange;
    q.symbol = c.symbol;
    q.ts = c.ts;
    q.bid = c.bid;
    q.bidSize = c.bidSize;
    q.ask = c.ask;
    q.askSize = c.askSize;
    if (hasSeq) this.quoteSeq.seq = c.seq;
    return q;
  }
}

/** Pushes the id of every set bit of `m`, lowest first (registry order). Runs only when a check fired. */
function emit(out: string[], m: number, base: number): void {
  while (m !== 0) {
    const low = m & -m;
    out.push(IDS[base + 31 - Math.clz32(low)]!);
    m ^= low;
  }
}
