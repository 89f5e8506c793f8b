// Byte-level mutators (AFL's classic set, minus the havoc bookkeeping): each takes a body and returns
// a new one, so the same (seed, index) always gives the same mutant.
import type { Rand } from "./rand.ts";

/** Bytes that matter to JSON or MessagePack framing, or to UTF-8. */
const INTERESTING = [
  0x00, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x2d, 0x2e, 0x30, 0x31, 0x39, 0x3a, 0x5b, 0x5c, 0x5d, 0x65, 0x7b, 0x7d, 0x7f,
  0x80, 0x90, 0x91, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc4, 0xc7, 0xcb, 0xd4, 0xd9, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xfe, 0xff,
];

type Mutator = (r: Rand, b: Uint8Array) => Uint8Array;

const byte = (r: Rand) => (r.chance(0.6) ? r.pick(INTERESTING) : r.int(256));
const splice = (b: Uint8Array, at: number, drop: number, insert: Uint8Array | number[] = []) => {
  const ins = insert instanceof Uint8Array ? insert : Uint8Array.from(insert);
  const out = new Uint8Array(b.length - drop + ins.length);
  out.set(b.subarray(0, at));
  out.set(ins, at);
  out.set(b.subarray(at + drop), at + ins.length);
  return out;
};

export const MUTATORS: Record<string, Mutator> = {
  bitflip: (r, b) => {
    if (b.length === 0) return b;
    const out = b.slice();
    out[r.int(b.length)] ^= 1 << r.int(8);
    return out;
  },
  set: (r, b) => {
    if (b.length === 0) return b;
    const out = b.slice();
    out[r.int(b.length)] = byte(r);
    return out;
  },
  insert: (r, b) => splice(b, r.int(b.length + 1), 0, Array.from({ length: r.range(1, 8) }, () => byte(r))),
  delete: (r, b) => {
    if (b.length === 0) return b;
    const at = r.int(b.length);
    return splice(b, at, Math.min(b.length - at, r.range(1, 16)));
  },
  duplicate: (r, b) => {
    if (b.length === 0) return b;
    const from = r.int(b.length);
    const piece = b.slice(from, from + r.range(1, 64));
    return splice(b, r.int(b.length + 1), 0, piece);
  },
  repeat: (r, b) => {
    if (b.length === 0) return b;
    const from = r.int(b.length);
    const piece = b.subarray(from, from + r.range(1, 8));
    const times = r.size(2000) + 2;
    const run = new Uint8Array(piece.length * times);
    for (let i = 0; i < times; i++) run.set(piece, i * piece.length);
    return splice(b, from, 0, run);
  },
  truncate: (r, b) => b.subarray(0, r.int(b.length + 1)),
};

const NAMES = Object.keys(MUTATORS);

/** Applies `rounds` random mutators; returns the mutant and the names applied (for the report). */
export function mutate(r: Rand, body: Uint8Array, rounds: number): { bytes: Uint8Array; ops: string[] } {
  let bytes = body;
  const ops: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const name = r.pick(NAMES);
    bytes = MUTATORS[name](r, bytes);
    ops.push(name);
  }
  return { bytes, ops };
}
