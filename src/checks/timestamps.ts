// Timestamp parsers: epoch ms / µs / ns numbers and digit strings (told apart by magnitude) and
// ISO-8601 date-times, all to µs since the epoch. Pure functions; they never allocate.

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

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

