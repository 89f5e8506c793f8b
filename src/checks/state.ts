// Per-symbol state of one validator worker: fixed size per symbol, preallocated for `maxSymbols`
// slots as struct-of-arrays, found by a two-level Map (exchange → symbol → slot) so a lookup never
// builds an "exchange:symbol" string, and evicted least-recently-accepted first when full.
//
// Bytes per symbol (typed arrays, preallocated):
//   Float64Array  F_STRIDE = 142 doubles = 1136 B  (22 scalars + 3 windows of 8 + 32: price, size, spread)
//   Int32Array    I_STRIDE = 130 ints    =  520 B  (tradeId dedupe ring: 64 × 64-bit hashes)
//   Uint8Array    T        = 128 bytes   =  128 B  (dedupe index)
//   Int32Array ×2 LRU links              =    8 B
//   total fixed                           = 1792 B   (BYTES_PER_SYMBOL; a test pins it)
// plus, for a tracked symbol, three references (exchange, symbol, thresholds: shared objects) and a
// Map entry (~100 B, engine dependent). The default 4096 slots preallocate 4096 × 1792 B ≈ 7.0 MiB.
import { DEDUPE_I32_STRIDE, T as DEDUPE_T, dedupeClear } from "./dedupe.ts";
import type { Params } from "./define.ts";
import type { Scratch } from "./scratch.ts";
import { WIN_STRIDE, winClear } from "./window.ts";

// Scalar offsets within a slot's Float64Array region.
// What updates each one is the state policy of the checks that read it (commit.ts).
export const S_LAST_TS = 0; // latest accepted ts (max), µs, NaN = none
export const S_TRADE_SEQ = 1; // highest trade seq received, NaN = none
export const S_QUOTE_SEQ = 2; // highest quote seq received, NaN = none
export const S_LAST_PRICE = 3; // last accepted trade price, NaN = none
export const S_PRICE_STREAK = 4; // consecutive trades with a price.spike / price.outlier verdict
export const S_BID = 5; // last accepted quote in seq order, NaN = none
export const S_ASK = 6;
export const S_BID_SIZE = 7;
export const S_ASK_SIZE = 8;
export const S_QUOTE_TS = 9;
export const S_SAME_SINCE = 10; // ts at which the current run of identical quotes began
export const S_TOKENS = 11; // rate.burst token bucket
export const S_TOKENS_AT = 12; // receive time of the last refill, µs
export const S_SIZE_STREAK = 13; // consecutive trades flagged size.spike
export const S_SPREAD_STREAK = 14; // consecutive quotes flagged spread.spike
export const S_TRADE_RUN = 15; // accepted trades in the current rising run below S_TRADE_SEQ (a renumbered feed?)
export const S_TRADE_RUN_LAST = 16; // the last seq of that run
export const S_QUOTE_RUN = 17; // the same for quotes
export const S_QUOTE_RUN_LAST = 18;
export const S_TRADE_SEQ_ACCEPTED = 19; // seq of the last accepted in-order trade (what seq.duplicate compares with), NaN = none
export const S_QUOTE_SEQ_ACCEPTED = 20;
const SCALARS = 22;
export const W_PRICE = SCALARS;
export const W_SIZE = W_PRICE + WIN_STRIDE;
export const W_SPREAD = W_SIZE + WIN_STRIDE;
export const F_STRIDE = W_SPREAD + WIN_STRIDE;
export const I_STRIDE = DEDUPE_I32_STRIDE;

/** The quote equals the symbol's last accepted one (bid, ask and both sizes) in slot region `b`. */
export function sameQuote(c: Scratch, f: Float64Array, b: number): boolean {
  return c.bid === f[b + S_BID] && c.ask === f[b + S_ASK] && c.bidSize === f[b + S_BID_SIZE] && c.askSize === f[b + S_ASK_SIZE];
}

export const BYTES_PER_SYMBOL = F_STRIDE * 8 + I_STRIDE * 4 + DEDUPE_T + 8;

export const DEFAULT_MAX_SYMBOLS = 4096;

export class SymbolStore {
  readonly capacity: number;
  /** Per slot F_STRIDE doubles: the S_* scalars and the W_* windows. */
  readonly values: Float64Array;
  /** Per slot I_STRIDE ints: the tradeId dedupe ring (dedupe.ts). */
  readonly idRing: Int32Array;
  /** Per slot DEDUPE_T bytes: the dedupe ring's hash index. */
  readonly idIndex: Uint8Array;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private head = -1; // most recently used
  private tail = -1; // least recently used: evicted first
  private used = 0;
  private readonly slotExchange: string[];
  private readonly slotSymbol: string[];
  /** Thresholds of each tracked symbol, resolved once when the slot is taken (and on reconfigure). */
  readonly params: Params[];
  private readonly index = new Map<string, Map<string, number>>();
  // Ticks come in runs from one exchange: remembering the last inner map saves a Map.get per tick.
  private lastExchange = "";
  private lastInner: Map<string, number> | undefined = undefined;
  evictions = 0;

  constructor(capacity = DEFAULT_MAX_SYMBOLS) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`maxSymbols must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.values = new Float64Array(capacity * F_STRIDE);
    this.idRing = new Int32Array(capacity * I_STRIDE);
    this.idIndex = new Uint8Array(capacity * DEDUPE_T);
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    this.slotExchange = new Array<string>(capacity).fill("");
    this.slotSymbol = new Array<string>(capacity).fill("");
    this.params = new Array<Params>(capacity);
  }

  /** Forgets every symbol (slots are re-initialised when reused). The arrays are kept. */
  clear(): void {
    this.index.clear();
    this.lastExchange = "";
    this.lastInner = undefined;
    this.used = 0;
    this.head = -1;
    this.tail = -1;
  }

  get size(): number {
    return this.used;
  }

  /** Exchanges with at least one tracked symbol (bounded by the slots). */
  get exchanges(): number {
    return this.index.size;
  }

  /** The slot of exchange:symbol, or -1. Does not change recency. */
  find(exchange: string, symbol: string): number {
    let m = this.lastInner;
    if (exchange !== this.lastExchange) {
      m = this.index.get(exchange);
      if (m === undefined) return -1;
      this.lastExchange = exchange;
      this.lastInner = m;
    }
    if (m === undefined) return -1;
    const s = m.get(symbol);
    return s === undefined ? -1 : s;
  }

  /** The slot of exchange:symbol, created with thresholds `p` (evicting the least recently used when full) if absent; marked most recent. */
  acquire(exchange: string, symbol: string, p: Params): number {
    let s = this.find(exchange, symbol);
    if (s >= 0) {
      this.touch(s);
      return s;
    }
    if (this.used < this.capacity) {
      s = this.used++;
    } else {
      s = this.tail;
      this.unlink(s);
      const ex = this.slotExchange[s]!;
      const inner = this.index.get(ex)!;
      inner.delete(this.slotSymbol[s]!);
      // An exchange with no tracked symbol left goes too: exchange names come from clients, so the
      // index must be bounded by the slots, not by every name ever seen.
      if (inner.size === 0) {
        this.index.delete(ex);
        if (this.lastInner === inner) (this.lastExchange = ""), (this.lastInner = undefined);
      }
      this.evictions++;
    }
    let m = this.index.get(exchange);
    if (m === undefined) this.index.set(exchange, (m = new Map())); // allocates: first symbol of an exchange
    m.set(symbol, s); // allocates a Map entry: a new symbol only
    this.slotExchange[s] = exchange;
    this.slotSymbol[s] = symbol;
    this.params[s] = p;
    this.init(s);
    this.pushFront(s);
    return s;
  }

  /** Re-resolves the thresholds of every tracked symbol (hot reload keeps the state). */
  reresolve(resolve: (exchange: string, symbol: string) => Params): void {
    for (let s = 0; s < this.used; s++) this.params[s] = resolve(this.slotExchange[s]!, this.slotSymbol[s]!);
  }

  private init(s: number): void {
    const b = s * F_STRIDE;
    this.values.fill(NaN, b, b + SCALARS);
    const f = this.values;
    f[b + S_PRICE_STREAK] = f[b + S_SIZE_STREAK] = f[b + S_SPREAD_STREAK] = f[b + S_TRADE_RUN] = f[b + S_QUOTE_RUN] = 0; // counters
    winClear(this.values, b + W_PRICE);
    winClear(this.values, b + W_SIZE);
    winClear(this.values, b + W_SPREAD);
    dedupeClear(this.idRing, s * I_STRIDE, this.idIndex, s * DEDUPE_T);
  }

  touch(s: number): void {
    if (this.head === s) return;
    this.unlink(s);
    this.pushFront(s);
  }

  private unlink(s: number): void {
    const p = this.prev[s]!;
    const n = this.next[s]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
  }

  private pushFront(s: number): void {
    this.prev[s] = -1;
    this.next[s] = this.head;
    if (this.head >= 0) this.prev[this.head] = s;
    this.head = s;
    if (this.tail < 0) this.tail = s;
  }
}
