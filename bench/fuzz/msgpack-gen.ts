// MessagePack body generators: random bytes, mutants and truncations of good encodings, headers that
// announce huge counts, ext types (msgpackr gives several of them meanings), 0xc1, deep nesting, and
// ticks whose fields hold odd MessagePack types. A tiny encoder here writes what Packr never would.
import { Packr } from "msgpackr";
import { be, concat, utf8 } from "./bytes.ts";
import type { Made } from "./json-gen.ts";
import { mutate } from "./mutate.ts";
import type { Rand } from "./rand.ts";
import type { Tick } from "./ticks.ts";

const packr = new Packr({ useRecords: false });
export const packTicks = (ticks: Tick[] | Tick): Uint8Array => packr.pack(ticks);

/** Already-encoded bytes, spliced verbatim by `enc`. */
class Raw {
  constructor(readonly bytes: Uint8Array) {}
}
const raw = (...parts: (Uint8Array | number[] | string)[]) => new Raw(concat(...parts));

/** A minimal encoder: maps (string or any keys, as [key, value] pairs), arrays, strings, numbers, bin, Raw. */
function enc(v: unknown): Uint8Array {
  if (v instanceof Raw) return v.bytes;
  if (v === null || v === undefined) return Uint8Array.of(0xc0);
  if (v === true || v === false) return Uint8Array.of(v ? 0xc3 : 0xc2);
  if (typeof v === "number") {
    if (Number.isInteger(v) && v >= 0 && v < 128) return Uint8Array.of(v);
    const out = new Uint8Array(9);
    out[0] = 0xcb;
    new DataView(out.buffer).setFloat64(1, v);
    return out;
  }
  if (typeof v === "string") {
    const s = utf8(v);
    return concat(s.length < 32 ? [0xa0 | s.length] : s.length < 256 ? [0xd9, s.length] : s.length < 65536 ? [0xda, ...be(s.length, 2)] : [0xdb, ...be(s.length, 4)], s);
  }
  if (v instanceof Uint8Array) return concat(v.length < 256 ? [0xc4, v.length] : [0xc6, ...be(v.length, 4)], v);
  if (v instanceof Map) {
    const parts = [...v].flatMap(([k, x]) => [enc(k), enc(x)]);
    return concat(v.size < 16 ? [0x80 | v.size] : [0xdf, ...be(v.size, 4)], ...parts);
  }
  if (Array.isArray(v)) return concat(v.length < 16 ? [0x90 | v.length] : [0xdd, ...be(v.length, 4)], ...v.map(enc));
  return enc(new Map(Object.entries(v as object)));
}

export function msgpackRandom(r: Rand): Made {
  const lead = r.pick([[], [0x91], [0x92], [0x81], [0xdc, 0x00, 0x02], [0x93, 0x81], [0xdf]]);
  return { body: concat(lead, r.bytes(r.range(1, 256))), note: `random after ${lead.map((b) => b.toString(16)).join(" ") || "nothing"}` };
}

export function msgpackBytes(r: Rand, ticks: Tick[]): Made {
  const { bytes, ops } = mutate(r, packTicks(ticks), r.range(1, 6));
  return { body: bytes, note: ops.join(",") };
}

/** A good encoding cut anywhere: in a header, a string, a float, between elements. */
export function msgpackTruncated(r: Rand, ticks: Tick[]): Made {
  const whole = packTicks(ticks.length === 1 && r.chance(0.3) ? ticks[0] : ticks);
  const cut = r.int(whole.length);
  return { body: whole.subarray(0, cut), note: `cut at ${cut}/${whole.length}` };
}

/** Headers announcing far more items or bytes than follow (a decoder must not allocate on trust). */
const HUGE: [string, number[]][] = [
  ["array16 65535", [0xdc, 0xff, 0xff]], ["array32 2^32-1", [0xdd, 0xff, 0xff, 0xff, 0xff]], ["array32 2^31", [0xdd, 0x80, 0, 0, 0]],
  ["map16 65535", [0xde, 0xff, 0xff]], ["map32 2^32-1", [0xdf, 0xff, 0xff, 0xff, 0xff]], ["map32 2^28", [0xdf, 0x10, 0, 0, 0]],
  ["str8 255", [0xd9, 0xff]], ["str16 65535", [0xda, 0xff, 0xff]], ["str32 2^32-1", [0xdb, 0xff, 0xff, 0xff, 0xff]],
  ["bin8 255", [0xc4, 0xff]], ["bin16 65535", [0xc5, 0xff, 0xff]], ["bin32 2^32-1", [0xc6, 0xff, 0xff, 0xff, 0xff]],
  ["ext8 255", [0xc7, 0xff, 0x01]], ["ext16 65535", [0xc8, 0xff, 0xff, 0x01]], ["ext32 2^32-1", [0xc9, 0xff, 0xff, 0xff, 0xff, 0x01]],
];

export function msgpackHugeHeader(r: Rand, ticks: Tick[], maxTicks: number): Made {
  if (r.chance(0.05)) {
    // A real array just over (or, now and then, at) the tick limit: valid MessagePack, small on the wire.
    const n = maxTicks + r.pick([0, 1, 1, 1, 1000, 1000]);
    return { body: concat([0xdd, ...be(n, 4)], new Uint8Array(n).fill(r.pick([0xc0, 0x80, 0x01]))), note: `array32 of ${n} one-byte items` };
  }
  const [name, head] = r.pick(HUGE);
  const tail = r.bytes(r.size(64));
  const where = r.int(3);
  if (where === 0) return { body: concat(head, tail), note: `${name} at the top` };
  // Inside a tick, as a field's value or a key, so the decoder is mid-map when it meets it.
  const t = Object.entries(ticks[0]);
  const k = r.int(t.length);
  const pairs = t.map(([key, v], i) => (i === k ? [where === 1 ? key : new Raw(Uint8Array.from(head)), where === 1 ? new Raw(Uint8Array.from(head)) : v] : [key, v]));
  return { body: concat(enc([new Map(pairs as [unknown, unknown][])]), tail), note: `${name} as a ${where === 1 ? "value" : "key"}` };
}

/** Ext type codes: msgpackr's own (undefined, BigInt, bundled strings, Error, structured-clone id and pointer, records, Set, typed arrays, RegExp, timestamp) and a few unassigned. */
const EXT_TYPES = [0x00, 0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0xff, 0x01, 0x7f, 0x80, 0xfe];

function ext(type: number, payload: Uint8Array): Uint8Array {
  const fixed: Record<number, number> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
  const n = payload.length;
  if (fixed[n]) return concat([fixed[n], type], payload);
  return concat(n < 256 ? [0xc7, n] : n < 65536 ? [0xc8, ...be(n, 2)] : [0xc9, ...be(n, 4)], [type], payload);
}

export function msgpackExt(r: Rand, ticks: Tick[]): Made {
  const type = r.pick(EXT_TYPES);
  const len = r.pick([0, 1, 2, 4, 8, 12, 16, 3, 100, r.size(4000)]);
  let payload = r.bytes(len);
  if (type === 0x74 && len > 0) payload[0] = r.int(20); // typed-array code
  if (type === 0x62 && len >= 4) payload.set(be(r.pick([0, 1, 0x7fffffff, 0xffffffff]), 4)); // bundled-strings size
  const e = ext(type, payload);
  const where = r.int(4);
  if (where === 0) return { body: e, note: `ext 0x${type.toString(16)} len ${len} at the top` };
  if (where === 1) return { body: concat([0x92], e, packTicks(ticks[0])), note: `ext 0x${type.toString(16)} len ${len} as a tick` };
  const field = r.pick(Object.keys(ticks[0]));
  const tick = new Map(Object.entries(ticks[0]).map(([k, v]) => [k, k === field ? new Raw(e) : v]));
  const tail = where === 3 ? r.bytes(r.size(16)) : new Uint8Array(0);
  return { body: concat(enc([tick]), tail), note: `ext 0x${type.toString(16)} len ${len} in ${field}${tail.length ? " + trailing bytes" : ""}` };
}

export function msgpackC1(r: Rand, ticks: Tick[]): Made {
  const where = r.pick(["top", "element", "key", "value", "after"]);
  const t = Object.entries(ticks[0]);
  const C1 = new Raw(Uint8Array.of(0xc1));
  if (where === "top") return { body: Uint8Array.of(0xc1), note: "0xc1 alone" };
  if (where === "element") return { body: enc([ticks[0], C1]), note: "0xc1 as a tick" };
  if (where === "after") return { body: concat(packTicks(ticks), [0xc1]), note: "0xc1 after the body" };
  const pairs = t.map(([k, v], i) => (i === 0 ? (where === "key" ? [C1, v] : [k, C1]) : [k, v]));
  return { body: enc([new Map(pairs as [unknown, unknown][])]), note: `0xc1 as a ${where}` };
}

/** Nesting: arrays or maps N deep, balanced or cut, at the top or in a field, and maps keyed by containers. */
export function msgpackNesting(r: Rand, ticks: Tick[]): Made {
  const depth = r.chance(0.02) ? 1_000_000 : r.pick([7, 8, 9, 10, 100, 1000, 10_000, 100_000]);
  const shape = r.pick(["array", "map", "array16", "cut", "field", "container-key"]);
  const rep = (piece: number[], n: number) => {
    const out = new Uint8Array(piece.length * n);
    for (let i = 0; i < n; i++) out.set(piece, i * piece.length);
    return out;
  };
  if (shape === "array") return { body: concat(rep([0x91], depth), [0xc0]), note: `fixarray ×${depth}` };
  if (shape === "map") return { body: concat(rep([0x81, 0xa1, 0x61], depth), [0x01]), note: `fixmap ×${depth}` };
  if (shape === "array16") return { body: concat(rep([0xdc, 0x00, 0x01], depth), [0xc0]), note: `array16 ×${depth}` };
  if (shape === "cut") return { body: rep([0x91], depth), note: `fixarray ×${depth}, nothing inside` };
  const inner = concat(rep([0x91], depth), [0x01]);
  if (shape === "field") {
    const tick = new Map(Object.entries(ticks[0]).map(([k, v]) => [k, k === "price" ? new Raw(inner) : v]));
    return { body: enc([tick]), note: `price nested ×${depth}` };
  }
  const tick = new Map<unknown, unknown>(Object.entries(ticks[0]));
  tick.set(new Raw(inner), 1);
  return { body: enc([tick]), note: `a key nested ×${depth}` };
}

/** Fields holding types a JSON body cannot: bin, float32 NaN, uint64 max, int64 min, odd keys, bad UTF-8 in a str. */
const ODD_FIELDS: [string, Raw][] = [
  ["bin", raw([0xc4, 3, 1, 2, 3])], ["empty bin", raw([0xc4, 0])], ["float32 NaN", raw([0xca, 0x7f, 0xc0, 0, 0])], ["float32 -Inf", raw([0xca, 0xff, 0x80, 0, 0])],
  ["float64 NaN", raw([0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0])], ["float64 -0", raw([0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0])], ["float64 denormal", raw([0xcb, 0, 0, 0, 0, 0, 0, 0, 1])],
  ["uint64 max", raw([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])], ["int64 min", raw([0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0])],
  ["uint8 255", raw([0xcc, 0xff])], ["int8 -128", raw([0xd0, 0x80])], ["nil", raw([0xc0])], ["true", raw([0xc3])], ["negative fixint", raw([0xff])],
  ["str with 0xff", raw([0xa3, 0x42, 0xff, 0x43])], ["str with surrogate", raw([0xa3, 0xed, 0xa0, 0x80])], ["str8 empty", raw([0xd9, 0x00])],
  ["str32 short", raw([0xdb, 0, 0, 0, 3, 0x42, 0x54, 0x43])], ["fixarray", raw([0x92, 1, 2])], ["fixmap", raw([0x81, 0xa1, 0x61, 1])],
];

export function msgpackValues(r: Rand, ticks: Tick[]): Made {
  const notes: string[] = [];
  const out = ticks.map((t) => new Map<unknown, unknown>(Object.entries(t)));
  for (let k = r.range(1, 3); k > 0; k--) {
    const m = r.pick(out);
    const roll = r.next();
    if (roll < 0.7) {
      const [name, value] = r.pick(ODD_FIELDS);
      const field = r.pick([...m.keys()] as string[]);
      m.set(field, value);
      notes.push(`${field}=${name}`);
    } else if (roll < 0.85) {
      const [name, key] = r.pick([["int key", 7], ["nil key", null], ["bin key", new Uint8Array([0x70])], ["bool key", true], ["__proto__ key", "__proto__"]] as [string, unknown][]);
      m.set(key, 1);
      notes.push(name);
    } else {
      // The same key twice, through a raw pair (a Map cannot hold it twice).
      const field = r.pick([...m.keys()] as string[]);
      m.set(new Raw(enc(field)), r.pick([-1, "x", null]));
      notes.push(`${field} twice`);
    }
  }
  return { body: enc(out.length === 1 && r.chance(0.3) ? out[0] : out), note: notes.join(" ") };
}
