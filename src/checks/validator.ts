// The validation engine: shape and field checks → value checks → sequence checks → history checks →
// commit (the state policies), each stage compiled from the registry (compile.ts). One Validator per worker; it owns the per-symbol
// state of the symbols routed to that worker. validate() never throws and reuses one result object,
// one scratch and four tick objects (one per shape), so a valid tick costs no allocation (except a
// decimal string for an integer tradeId, and first-sight exchange/symbol spellings: names.ts).
import type { Tick } from "../tick.ts";
import type { CheckSetting, ChecksConfig } from "./checks-config.ts";
import { createCommit, type Commit } from "./commit.ts";
import { KIND_NONE, KIND_TRADE, Scratch, fireBit } from "./scratch.ts";
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


// Reused output shapes: a fixed key set per shape keeps one hidden class each and never leaves an
// `undefined` key (a quote never carries `price: undefined`), so encoders see clean maps.
const newTrade = () => ({ type: "trade" as const, exchange: "", symbol: "", ts: 0, price: 0, size: 0, side: "buy" as Tick["side"], tradeId: "" });
const newTradeSeq = () => ({ ...newTrade(), seq: 0 });
const newQuote = () => ({ type: "quote" as const, exchange: "", symbol: "", ts: 0, bid: 0, bidSize: 0, ask: 0, askSize: 0 });
const newQuoteSeq = () => ({ ...newQuote(), seq: 0 });

export class Validator {
  private cfg: ChecksConfig;
  /** Check ids by bit, and the state policies, of the config's registry. */
  private ids: readonly string[];
  private commit: Commit;
  private readonly store: SymbolStore;
  private readonly scratch = new Scratch();
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
    this.ids = config.registry.checks.map((c) => c.id);
    this.commit = createCommit(config.registry.index);
    this.store = new SymbolStore(opts.maxSymbols ?? DEFAULT_MAX_SYMBOLS);
  }

  /** tick.too_large's bound: a caller may skip decoding a tick larger than this (validate fires it from the size). */
  get maxTickBytes(): number {
    return this.cfg.defaults.maxTickBytes as number;
  }

  /** Each check's severity in the running config ("off" when disabled): what a fired code means now. */
  severities(): Record<string, CheckSetting> {
    const out: Record<string, CheckSetting> = {};
    for (let i = 0; i < this.ids.length; i++) out[this.ids[i]!] = this.cfg.settings[i]!;
    return out;
  }

  /** Swaps thresholds and severities; per-symbol state is kept (hot reload). */
  reconfigure(config: ChecksConfig): void {
    if (config.registry !== this.cfg.registry) throw new Error("reconfigure: the new config must use the same check registry");
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
    const c = this.scratch;
    const cfg = this.cfg;
    c.reset(recvTsUs);
    const reg = cfg.registry;
    // Before anything is read: a huge tick must cost nothing more than its size check.
    if (encodedBytes > (cfg.defaults.maxTickBytes as number)) {
      fireBit(c, reg.guards.tooLarge);
      return this.finish(c, cfg);
    }
    try {
      reg.readTick(raw, c, cfg.defaults);
      // A tracked symbol carries its resolved thresholds: one lookup serves state and config.
      const st = this.store;
      const s = c.exchange !== "" && c.symbol !== "" ? st.find(c.exchange, c.symbol) : -1;
      const p = s >= 0 ? st.params[s]! : c.exchange !== "" && c.symbol !== "" ? cfg.paramsFor(c.exchange, c.symbol) : cfg.defaults;
      reg.runValue(c, p);
      const contentOk = ((c.m0 & cfg.reject0) | (c.m1 & cfg.reject1)) === 0;
      // The stream position counts for every tick received (define.ts); history only for valid content.
      if (c.kind !== KIND_NONE) reg.runSequence(c, p, st, s);
      if (contentOk) reg.runHistory(c, p, st, s);
      const v0 = c.m0 & cfg.enabled0;
      const v1 = c.m1 & cfg.enabled1;
      const r0 = v0 & cfg.reject0;
      const r1 = v1 & cfg.reject1;
      if ((r0 | r1) === 0 || s >= 0) this.commit(c, st, s, p, v0, v1, r0, r1);
    } catch {
      fireBit(c, reg.guards.unreadable); // exotic input only (a throwing getter or proxy)
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
      const ids = this.ids;
      emit(r.rejects, ids, rej0, 0);
      emit(r.rejects, ids, rej1, 32);
      emit(r.flags, ids, m0 & ~rej0, 0);
      emit(r.flags, ids, m1 & ~rej1, 32);
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
function emit(out: string[], ids: readonly string[], m: number, base: number): void {
  while (m !== 0) {
    const low = m & -m;
    out.push(ids[base + 31 - Math.clz32(low)]!);
    m ^= low;
  }
}
