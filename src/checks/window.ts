// A rolling window of the last W = 32 accepted values (a ring inside a Float64Array) and its
// median, estimated as a remedian (Rousseeuw & Bassett, JASA 1990): the ring is 4 blocks of 8; when
// a block fills, its median is taken with a branchless sorting network, and the window median is the
// median of the (up to 4) block medians. Why not the exact rolling median: on the dev box a sorted
// copy costs ~30 ns per push and a quickselect refresh ~200 ns (branch mispredictions on noisy
// prices), most of the 100 ns per-tick budget; the remedian costs ~3 ns per push amortised, lags by
// at most 7 values and keeps a high breakdown point. MAD is exact, computed on demand over the raw
// ring (price.outlier (entries/history.ts) asks for it only for prices already outside the γ band: rare).
// Layout at `b`: [count, next, median, blocks, blockMedian[4], ring[W]].

export const W = 32;
export const BLOCK = 8;
export const WIN_STRIDE = 8 + W;
const RING = 8;

const scratch = new Float64Array(W); // shared by every window of this thread; never escapes a call

/** Values in the window (≤ W). */
export function winCount(f: Float64Array, b: number): number {
  return f[b]!;
}

/** The window's median (remedian); NaN until the first block of 8 is full. */
export function winMedian(f: Float64Array, b: number): number {
  return f[b + 2]!;
}

export function winClear(f: Float64Array, b: number): void {
  f[b] = 0;
  f[b + 1] = 0;
  f[b + 2] = NaN;
  f[b + 3] = 0;
}

export function winPush(f: Float64Array, b: number, x: number): void {
  const w = f[b + 1]!;
  f[b + RING + w] = x;
  if (f[b]! < W) f[b] = f[b]! + 1;
  f[b + 1] = (w + 1) & (W - 1);
  if ((w & (BLOCK - 1)) !== BLOCK - 1) return;
  // A block just filled: its median, then the median of the block medians.
  const blk = w >> 3;
  f[b + 4 + blk] = median8(f, b + RING + blk * BLOCK);
  const nb = f[b + 3]! < 4 ? (f[b + 3] = f[b + 3]! + 1) : 4;
  f[b + 2] = medianOfBlocks(f, b + 4, nb);
}

const lo = (a: number, c: number) => (a < c ? a : c);
const hi = (a: number, c: number) => (a < c ? c : a);

/** Mean of the two middle values of f[p, p+8) by a sorting network (19 compare-exchanges, no data-dependent branches). */
function median8(f: Float64Array, p: number): number {
  let a = f[p]!, b = f[p + 1]!, c = f[p + 2]!, d = f[p + 3]!, e = f[p + 4]!, g = f[p + 5]!, h = f[p + 6]!, i = f[p + 7]!;
  let t: number;
  // Batcher's odd-even merge sort for 8 inputs.
  t = lo(a, b); b = hi(a, b); a = t; t = lo(c, d); d = hi(c, d); c = t;
  t = lo(e, g); g = hi(e, g); e = t; t = lo(h, i); i = hi(h, i); h = t;
  t = lo(a, c); c = hi(a, c); a = t; t = lo(b, d); d = hi(b, d); b = t;
  t = lo(e, h); h = hi(e, h); e = t; t = lo(g, i); i = hi(g, i); g = t;
  t = lo(b, c); c = hi(b, c); b = t; t = lo(g, h); h = hi(g, h); g = t;
  t = lo(a, e); e = hi(a, e); a = t; t = lo(b, g); g = hi(b, g); b = t;
  t = lo(c, h); h = hi(c, h); c = t; t = lo(d, i); i = hi(d, i); d = t;
  t = lo(c, e); e = hi(c, e); c = t; t = lo(d, g); g = hi(d, g); d = t;
  t = lo(b, c); c = hi(b, c); b = t; t = lo(d, e); e = hi(d, e); d = t;
  t = lo(g, h); h = hi(g, h); g = t;
  return (d + e) / 2;
}

function medianOfBlocks(f: Float64Array, p: number, n: number): number {
  const a = f[p]!, b = f[p + 1]!, c = f[p + 2]!, d = f[p + 3]!;
  if (n === 1) return a;
  if (n === 2) return (a + b) / 2;
  if (n === 3) return hi(lo(a, b), lo(hi(a, b), c));
  // 4: mean of the middle two = (sum - min - max) / 2
  return (a + b + c + d - lo(lo(a, b), lo(c, d)) - hi(hi(a, b), hi(c, d))) / 2;
}

/** Median absolute deviation from `med` over the raw window (exact; O(W), no allocation). */
export function winMad(f: Float64Array, b: number, med: number): number {
  const n = f[b]!;
  if (n === 0) return NaN;
  for (let i = 0; i < n; i++) scratch[i] = Math.abs(f[b + RING + i]! - med);
  return select(scratch, n, n >> 1);
}

/** k-th smallest of a[0, n) (Wirth's selection; reorders a). */
function select(a: Float64Array, n: number, k: number): number {
  let l = 0;
  let m = n - 1;
  while (l < m) {
    const x = a[k]!;
    let i = l;
    let j = m;
    do {
      while (a[i]! < x) i++;
      while (x < a[j]!) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) m = j;
  }
  return a[k]!;
}
