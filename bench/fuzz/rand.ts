// Every fuzz case is rebuilt from (seed, index) alone: its own PRNG stream, seeded by a hash of the
// pair, so `--only INDEX` replays one body without generating the ones before it.
// The generator is the project's mulberry32 (bench/lib/prng.ts, shared with the tests).
import { prng } from "../lib/prng.ts";

/** A 32-bit seed for case `index` of run `seed` (murmur3's finaliser over the pair). */
export function caseSeed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index >>> 0, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rand {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** integer in [lo, hi] */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** A size in [0, max) spread evenly over orders of magnitude: mostly small, sometimes large. */
  size(max: number): number {
    return Math.min(max - 1, Math.floor(Math.exp(this.next() * Math.log(max + 1))) - 1);
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** A seed for a sub-generator (tickStream) drawn from this stream. */
  seed(): number {
    return this.int(2 ** 31) + 1;
  }
}
