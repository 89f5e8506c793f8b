// Field parsers shared by normalise.ts (which fires the codes) and routingKey (which must agree with
// it). Pure functions over one value; they scan with charCodeAt and never allocate, except where a
// comment says so (non-canonical exchange/symbol spellings, first sight only).

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---- numbers ---------------------------------------------------------------------------------

/**
 * Numeric strings ARE accepted for price, size, bid, ask, bidSize, askSize (and digit strings for
 * seq and ts), because major exchanges (Binance, Coinbase, OKX, Kraken) send decimals as strings to
 * keep precision. Only plain decimal notation: `-?(digits[.digits]|.digits)([eE][+-]?digits)?`.
 * Hex, whitespace, "", "Infinity", "NaN", "1_000", "+1" give NaN. Values beyond the double range
 * ("1e400") parse to ±Infinity and fail the finiteness check like the number would.
 *
 * Why hand-rolled: JSC's string → number conversion costs ~40 ns, a third of the budget. With at
 * most 15 significant digits and a power of ten up to 22, both mantissa and 10^k are exact doubles
 * and one multiply or divide is correctly rounded (Clinger's fast path), so the result is identical
 * to `Number(s)`; anything else falls back to `Number(s)`.
 */
export function decimal(s: string): number {
  const n = s.length;
  if (n === 0 || n > 64) return NaN;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45 /* - */) { neg = true; i = 1; }
  let mant = 0;
  let dot = -1;
  let c = 0;
  const from = i;
  for (; i < n; i++) {
    c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (dot >= 0) return NaN;
      dot = i;
      continue;
    }
    c -= 48;
    if (c < 0 || c > 9) break;
    mant = mant * 10 + c;
  }
  const ndigits = i - from - (dot >= 0 ? 1 : 0);
  if (ndigits === 0) return NaN;
  let e = dot >= 0 ? dot + 1 - i : 0; // minus the digits after the point
  if (i < n) {
    if (c !== 53 && c !== 21 /* e E after -48 */) return NaN;
    i++;
    let eneg = false;
    if (i < n && ((c = s.charCodeAt(i)) === 43 || c === 45)) { eneg = c === 45; i++; }
    if (i === n) return NaN;
    let exp = 0;
    for (; i < n; i++) {
      c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return NaN;
      if (exp < 100_000) exp = exp * 10 + c;
    }
    e += eneg ? -exp : exp;
  }
  // The mantissa grew monotonically, so it is exact iff it ended ≤ 2^53.
  if (mant > MAX_SAFE || e > 22 || e < -22) return +s; // exact but slow path
  const x = e === 0 ? mant : e > 0 ? mant * POW10[e]! : mant / POW10[-e]!;
  return neg ? -x : x;
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k); // 1e0..1e22, all exact doubles

/** A non-negative safe integer from a number or a digit string, or NaN. */
export function uint(v: unknown): number {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? v + 0 : NaN; // +0 folds -0
  if (typeof v !== "string") return NaN;
  const n = v.length;
  if (n === 0 || n > 16) return NaN;
  let x = 0;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    x = x * 10 + c;
  }
  return x <= MAX_SAFE ? x : NaN;
}

// ---- timestamps --------------------------------------------------------------------------------

// Magnitude bands (current dates: ms ≈ 1.7e12, µs ≈ 1.7e15, ns ≈ 1.7e18). ms below 1e14 reaches
// year 5138; µs from 1e14 and ns from 1e17 both start in 1973, so no real timestamp is ambiguous.
const US_FROM = 1e14;
const NS_FROM = 1e17;
const NS_TO = 1e20;

/** µs since the epoch from an epoch ms / µs / ns number, or NaN. ns doubles above 2^53 lose up to ~1 µs: send ns as a digit string to keep them exact. */
export function tsFromNumber(v: number): number {
  if (!(v > 0) || v >= NS_TO) return NaN; // also NaN and ±Infinity
  const us = v < US_FROM ? Math.round(v * 1000) : v < NS_FROM ? Math.round(v) : Math.round(v / 1000);
  return us <= MAX_SAFE ? us : NaN;
}

/** µs from a digit string (exact, ns truncated to µs) or an ISO-8601 date-time, or NaN. */
export function tsFromString(s: string): number {
  const n = s.length;
  if (n === 0 || n > 40) return NaN;
  let x = 0;
  let head = 0; // value of all but the last three digits: the exact µs of an ns string
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return i === 4 ? isoToUs(s) : NaN;
    if (i === n - 3) head = x;
    x = x * 10 + c; // approximate above 2^53, enough to pick the band
  }
  if (!(x > 0) || x >= NS_TO) return NaN;
  if (x < US_FROM) return x * 1000;
  if (x < NS_FROM) return x <= MAX_SAFE ? x : NaN;
  return head <= MAX_SAFE ? head : NaN;
}

/** The two digits at s[i], s[i+1] as a number, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * `YYYY-MM-DD(T|t| )hh:mm:ss[.f{1,9}](Z|z|±hh:mm|±hhmm)`. A zone is required: a local time is
 * ambiguous. Fractions beyond µs are truncated. Leap second 60 is accepted (as the next second).
 */
export function isoToUs(s: string): number {
  const n = s.length;
  if (n < 20 || n > 35) return NaN;
  const yh = d2(s, 0);
  const yl = d2(s, 2);
  const y = yh < 0 || yl < 0 ? -1 : yh * 100 + yl;
  const mo = d2(s, 5), d = d2(s, 8), h = d2(s, 11), mi = d2(s, 14), se = d2(s, 17);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 116 && t !== 32) return NaN;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return NaN;
  let i = 19;
  let frac = 0;
  if (s.charCodeAt(i) === 46 /* . */) {
    i++;
    let k = 0;
    let c = 0;
    while (i < n && (c = s.charCodeAt(i) - 48) >= 0 && c <= 9) {
      if (k < 6) frac = frac * 10 + c;
      k++;
      i++;
    }
    if (k === 0 || k > 9) return NaN;
    for (; k < 6; k++) frac *= 10;
  }
  let off = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122 /* Z z */) {
    i++;
  } else if (z === 43 || z === 45 /* + - */) {
    const oh = d2(s, i + 1);
    let om: number;
    if (s.charCodeAt(i + 3) === 58) { om = d2(s, i + 4); i += 6; }
    else { om = d2(s, i + 3); i += 5; }
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    off = (oh * 60 + om) * 60;
    if (z === 45) off = -off;
  } else {
    return NaN;
  }
  if (i !== n) return NaN;
  const secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
  const us = secs * 1e6 + frac;
  return us > 0 && us <= MAX_SAFE ? us : NaN;
}

function daysIn(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

// ---- exchange and symbol -------------------------------------------------------------------------

export const EXCHANGE_MAX = 32;
export const SYMBOL_PART_MAX = 24;

// Non-canonical spellings ("Binance", "btc/usdt") map to their canonical string through a bounded
// cache, so a feed that always sends the same spelling allocates only on first sight. Cleared when
// full: a flood of distinct spellings costs allocation, never unbounded memory.
const CACHE_MAX = 4096;
const exchangeCache = new Map<string, string>();
const symbolCache = new Map<string, string>();

// A direct-mapped memo of recent exchange/symbol strings → their canonical form: most ticks repeat
// a few spellings, and one string comparison (equal content; a pointer compare when both are atoms)
// is cheaper than re-scanning every character. Keyed by length and end characters; a miss scans.
const MEMO = 512;
const exIn: string[] = new Array<string>(MEMO).fill("");
const exOut: string[] = new Array<string>(MEMO).fill("");
const symIn: string[] = new Array<string>(MEMO).fill("");
const symOut: string[] = new Array<string>(MEMO).fill("");

function memoSlot(s: string): number {
  const n = s.length;
  return (n * 131 + s.charCodeAt(0) * 31 + s.charCodeAt(n - 1) * 7 + s.charCodeAt(n >> 1)) & (MEMO - 1);
}

/** normExchange through the memo. */
export function exchangeOf(s: string): string {
  if (s.length === 0) return "";
  const h = memoSlot(s);
  if (exIn[h] === s) return exOut[h]!;
  const v = normExchange(s);
  if (v !== "") { exIn[h] = s; exOut[h] = v; }
  return v;
}

/** normSymbol through the memo. */
export function symbolOf(s: string): string {
  if (s.length === 0) return "";
  const h = memoSlot(s);
  if (symIn[h] === s) return symOut[h]!;
  const v = normSymbol(s);
  if (v !== "") { symIn[h] = s; symOut[h] = v; }
  return v;
}

/** Lower-case exchange, or "" when not 1-32 chars of [A-Za-z0-9._-] starting alphanumeric. */
export function normExchange(s: string): string {
  const n = s.length;
  if (n === 0 || n > EXCHANGE_MAX) return "";
  let upper = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) continue;
    if (c >= 65 && c <= 90) { upper = true; continue; }
    if (i > 0 && (c === 46 || c === 95 || c === 45)) continue;
    return "";
  }
  if (!upper) return s;
  let v = exchangeCache.get(s);
  if (v === undefined) {
    if (exchangeCache.size >= CACHE_MAX) exchangeCache.clear();
    v = s.toLowerCase(); // allocates, first sight of this spelling only
    exchangeCache.set(s, v);
  }
  return v;
}

/** `BASE-QUOTE` upper case, or "" when not two 1-24 char [A-Za-z0-9] parts joined by - / or _. */
export function normSymbol(s: string): string {
  const n = s.length;
  if (n < 3 || n > 2 * SYMBOL_PART_MAX + 1) return "";
  let sep = -1;
  let canonical = true;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 48 && c <= 57)) continue;
    if (c >= 97 && c <= 122) { canonical = false; continue; }
    if (c === 45 || c === 47 || c === 95) {
      if (sep >= 0) return "";
      sep = i;
      if (c !== 45) canonical = false;
      continue;
    }
    return "";
  }
  if (sep < 1 || sep > SYMBOL_PART_MAX || n - sep - 1 < 1 || n - sep - 1 > SYMBOL_PART_MAX) return "";
  if (canonical) return s;
  let v = symbolCache.get(s);
  if (v === undefined) {
    if (symbolCache.size >= CACHE_MAX) symbolCache.clear();
    v = s.slice(0, sep).toUpperCase() + "-" + s.slice(sep + 1).toUpperCase(); // allocates, first sight only
    symbolCache.set(s, v);
  }
  return v;
}

// ---- small enums and ids ---------------------------------------------------------------------

/** The value equals the lower-case ASCII word `w`, ignoring case. */
function sameWord(s: string, w: string): boolean {
  if (s === w) return true;
  const n = w.length;
  if (s.length !== n) return false;
  for (let i = 0; i < n; i++) if ((s.charCodeAt(i) | 0x20) !== w.charCodeAt(i)) return false;
  return true;
}

/** 1 trade, 2 quote, 0 anything else. */
export function kindOf(s: string): number {
  return sameWord(s, "trade") ? 1 : sameWord(s, "quote") ? 2 : 0;
}

/** "buy" / "sell" (the interned literals), or "" for anything else. */
export function sideOf(s: string): "buy" | "sell" | "" {
  return sameWord(s, "buy") ? "buy" : sameWord(s, "sell") ? "sell" : "";
}

/** A tradeId string: 1..max printable ASCII characters, no spaces. */
export function validIdString(s: string, max: number): boolean {
  const n = s.length;
  if (n === 0 || n > max) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}
