// Name parsers: exchange and symbol (normalised, through a memo and a bounded cache), the tick type,
// the trade side and the tradeId string. Shared by the field checks and routingKey, which must agree.
// They scan with charCodeAt and never allocate, except where a comment says so (non-canonical
// exchange/symbol spellings, first sight only).

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
