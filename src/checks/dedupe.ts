// Bounded "seen recently" set of tradeIds per symbol: the last D ids as 64-bit hashes (two 32-bit
// halves) in a ring, indexed by a linear-probing table of ring positions at load ≤ 1/2, so a lookup
// is ~1-2 probes. Fixed size; no strings are retained. Two distinct ids collide with probability
// ~D/2^64 per lookup: negligible.
//
// Layout per symbol: Int32Array at `b`: [count, head, h1, h2, h1, h2, ... (D pairs)];
//                    Uint8Array at `t`: T slots holding ring index + 1 (0 = empty).

export const D = 64;
export const T = 128;
export const DEDUPE_I32_STRIDE = 2 + 2 * D;
const TMASK = T - 1;

/** Two 32-bit hashes of a string (FNV-1a and a murmur-style mix), written to out[0], out[1]. */
export function hashId(s: string, out: Int32Array): void {
  let a = 0x811c9dc5 | 0;
  let b = 0x9747b28c | 0;
  for (let i = 0, n = s.length; i < n; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0x5bd1e995);
  out[0] = a;
  out[1] = b ^ (b >>> 15);
}

export function dedupeClear(r: Int32Array, b: number, tbl: Uint8Array, t: number): void {
  r[b] = 0;
  r[b + 1] = 0;
  tbl.fill(0, t, t + T);
}

export function dedupeHas(r: Int32Array, b: number, tbl: Uint8Array, t: number, h1: number, h2: number): boolean {
  for (let i = h1 & TMASK; ; i = (i + 1) & TMASK) {
    const e = tbl[t + i]!;
    if (e === 0) return false;
    const p = b + 2 + 2 * (e - 1);
    if (r[p] === h1 && r[p + 1] === h2) return true;
  }
}

export function dedupeAdd(r: Int32Array, b: number, tbl: Uint8Array, t: number, h1: number, h2: number): void {
  const n = r[b]!;
  const head = r[b + 1]!;
  let pos: number; // ring position to write
  if (n < D) {
    pos = (head + n) % D;
    r[b] = n + 1;
  } else {
    pos = head;
    r[b + 1] = (head + 1) % D;
    remove(r, b, tbl, t, pos);
  }
  r[b + 2 + 2 * pos] = h1;
  r[b + 3 + 2 * pos] = h2;
  let i = h1 & TMASK;
  while (tbl[t + i] !== 0) i = (i + 1) & TMASK;
  tbl[t + i] = pos + 1;
}

/** Deletes ring position `pos` from the table with backward-shift deletion (no tombstones). */
function remove(r: Int32Array, b: number, tbl: Uint8Array, t: number, pos: number): void {
  let i = r[b + 2 + 2 * pos]! & TMASK;
  while (tbl[t + i] !== pos + 1) i = (i + 1) & TMASK;
  for (let j = (i + 1) & TMASK; ; j = (j + 1) & TMASK) {
    const e = tbl[t + j]!;
    if (e === 0) break;
    const home = r[b + 2 + 2 * (e - 1)]! & TMASK;
    // Move e into the hole at i unless its home lies cyclically in (i, j].
    if (((j - home) & TMASK) >= ((j - i) & TMASK)) {
      tbl[t + i] = e;
      i = j;
    }
  }
  tbl[t + i] = 0;
}
