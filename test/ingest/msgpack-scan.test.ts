// The MessagePack pre-scan: agrees with msgpackr on what is well-formed, refuses hostile counts and
// nesting without walking them, and leaves decodeMsgpack's answers as they were for valid bodies.
import { describe, expect, test } from "bun:test";
import { C1, FLOAT32_OPTIONS, Packr, Unpackr } from "msgpackr";
import { errors, IngestError } from "../../src/errors.ts";
import { asTicks, decodeMsgpack, MAX_DEPTH } from "../../src/ingest/decode.ts";
import { scanMsgpack } from "../../src/ingest/msgpack-scan.ts";
import { tickStream } from "../../bench/lib/tick-gen.ts";
import { prng } from "../../bench/lib/prng.ts";

// The decoder's own options (src/ingest/decode.ts), so "msgpackr accepts" means what the server does.
const unpackr = new Unpackr({ mapsAsObjects: true, useRecords: false, int64AsType: "number" });
const packr = new Packr({ useRecords: false });
const packr32 = new Packr({ useRecords: false, useFloat32: FLOAT32_OPTIONS.ALWAYS });

const scan = (b: Uint8Array, maxTicks = 1e9, maxDepth = MAX_DEPTH) => scanMsgpack(b, maxTicks, maxDepth);
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
const cat = (...parts: ArrayLike<number>[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
};
const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unpackThrows = (b: Uint8Array) => {
  try {
    unpackr.unpack(b);
    return false;
  } catch {
    return true;
  }
};
/** decodeMsgpack as it was before the scan: msgpackr first, the shape checks after. */
function decodeBefore(b: Uint8Array, maxTicks: number): unknown[] {
  if (b.length === 0) throw errors.empty();
  let value: unknown;
  try {
    value = unpackr.unpack(b);
  } catch (err) {
    throw errors.malformed(`body is not valid MessagePack: ${(err as Error)?.message}`);
  }
  return asTicks(value, maxTicks, "body");
}
const answer = (fn: () => unknown): string => {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (!(e instanceof IngestError)) throw e;
    return e.code;
  }
};

/** A random value of every kind msgpackr packs; containers `depth` levels deep at most. */
function randomValue(rand: () => number, depth: number): unknown {
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const len = () => (rand() < 0.1 ? int(16, 20) : int(0, 4)); // 16+ reaches array16/map16 headers
  const str = (n: number) => Array.from({ length: n }, () => "aZ9 é€😀"[int(0, 6)]).join("");
  const r = rand();
  if (depth > 0 && r < 0.15) return Array.from({ length: len() }, () => randomValue(rand, depth - 1));
  if (depth > 0 && r < 0.3) return Object.fromEntries(Array.from({ length: len() }, (_, i) => [`${str(int(0, 6))}${i}`, randomValue(rand, depth - 1)]));
  if (depth > 0 && r < 0.35) return new Map(Array.from({ length: len() }, (_, i) => [i * int(1, 1e6), randomValue(rand, depth - 1)]));
  const leaves = [
    () => null, () => true, () => false, () => undefined,
    () => int(0, 127), () => int(128, 255), () => int(256, 65535), () => int(65536, 2 ** 32 - 1),
    () => int(-32, -1), () => int(-128, -33), () => int(-32768, -129), () => int(-(2 ** 31), -32769),
    () => BigInt(int(0, 2 ** 31)) * 2n ** 32n, () => -BigInt(int(1, 2 ** 31)) * 2n ** 32n, () => 2n ** 63n + BigInt(int(0, 1e9)),
    () => (rand() - 0.5) * 10 ** int(-5, 300), () => rand() * 1000,
    () => str(int(0, 31)), () => str(int(32, 255)), () => str(int(256, 700)),
    () => new Uint8Array(int(0, 300)).map(() => int(0, 255)),
    () => new Date(int(0, 2 ** 31) * 1000), () => new Date(int(0, 2 ** 40)), () => new Date(-int(1, 2 ** 40)), () => new Date(int(2 ** 43, 2 ** 46)),
  ];
  return leaves[int(0, leaves.length - 1)]();
}

// Complete values of every MessagePack type, including the non-minimal headers msgpackr never
// writes (array32 of 2, str32 of 3) and every ext form (type 0 is msgpackr's `undefined`, any length).
const EVERY_TYPE = [
  "c0", "c2", "c3", "00", "7f", "e0", "ff",
  "cc ff", "cd ffff", "ce ffffffff", "cf ffffffffffffffff",
  "d0 80", "d1 8000", "d2 80000000", "d3 8000000000000000",
  "ca 3fc00000", "cb 3ff8000000000000",
  "a0", "a3 616263", "bf" + "61".repeat(31), "d9 00", "d9 03 616263", "da 0003 616263", "db 00000003 616263",
  "c4 00", "c4 02 c1c1", "c5 0002 0102", "c6 00000002 0102",
  "d4 00 00", "d5 00 0000", "d6 00 00000000", "d7 00" + "00".repeat(8), "d8 00" + "00".repeat(16),
  "c7 00 00", "c7 03 00 010203", "c8 0003 00 010203", "c9 00000003 00 010203",
  "d6 ff 00000001", "d7 ff 0000000000000001", "c7 0c ff 000000000000000000000001", // timestamps 32, 64, 96
  "d4 42 05", "c7 05 74 07 0000803f", // BigInt, Float32Array
  "90", "80", "dc 0000", "dc 0002 01 02", "dd 00000002 01 02", "de 0001 a161 01", "df 00000001 a161 01",
  "81 a161 91 01", "92 90 80", "82 01 02 c0 c3", "9f" + "00".repeat(15),
].map(bytes);

describe("well-formed values", () => {
  test("every MessagePack type, alone, in an array and in a map", () => {
    for (const v of EVERY_TYPE) {
      for (const b of [v, cat([0x91], v), cat([0x81, 0xa1, 0x61], v), cat([0x92], v, v)]) {
        expect({ b: hexOf(b), problem: scan(b) }).toEqual({ b: hexOf(b), problem: null });
        expect({ b: hexOf(b), throws: unpackThrows(b) }).toEqual({ b: hexOf(b), throws: false });
      }
    }
  });
  test("seeded random values packed by msgpackr", () => {
    const rand = prng(20240601);
    for (let i = 0; i < 2000; i++) {
      const b = (rand() < 0.3 ? packr32 : packr).pack(randomValue(rand, 5));
      if (scan(b) !== null) throw new Error(`scanner refuses ${hexOf(b)}: ${JSON.stringify(scan(b))}`);
    }
  });
  test("0xc1 inside a string or binary is data, not the reserved token", () => {
    expect(scan(bytes("a1 c1"))).toBeNull();
    expect(scan(bytes("c4 01 c1"))).toBeNull();
    expect(scan(bytes("81 a1 c1 a1 c1"))).toBeNull();
  });
});

describe("truncations", () => {
  // msgpack is prefix-free: no proper prefix of one value is a value, so every cut is malformed.
  const check = (b: Uint8Array) => {
    for (let n = 0; n < b.length; n++) {
      const cut = b.subarray(0, n);
      const problem = scan(cut);
      if (problem?.kind !== "malformed") throw new Error(`cut ${hexOf(cut)} of ${hexOf(b)}: ${JSON.stringify(problem)}`);
      if (!unpackThrows(cut)) throw new Error(`msgpackr accepts the cut ${hexOf(cut)} of ${hexOf(b)}`);
    }
  };
  test("every cut of every type is malformed, and msgpackr throws too", () => {
    for (const v of EVERY_TYPE) for (const b of [v, cat([0x91], v), cat([0x81, 0xa1, 0x61], v)]) check(b);
  });
  test("every cut of seeded random values is malformed, and msgpackr throws too", () => {
    const rand = prng(7);
    for (let i = 0; i < 200; i++) check(packr.pack(randomValue(rand, 3)));
  });
  test("the problem points at the value that runs out", () => {
    expect(scan(bytes("92 01 cb 3ff8"))).toEqual({ kind: "malformed", at: 2, reason: "truncated value (8 bytes needed, 2 left)" });
    expect(scan(bytes("91 dc 00"))).toEqual({ kind: "malformed", at: 1, reason: "truncated header (2 bytes needed, 1 left)" });
    expect(scan(bytes("92 91 01"))).toEqual({ kind: "malformed", at: 3, reason: "unexpected end of data" });
    expect(scan(bytes("a5 6162"))).toEqual({ kind: "malformed", at: 0, reason: "truncated value (5 bytes needed, 2 left)" });
    expect(scan(bytes("d9 05 6162"))).toEqual({ kind: "malformed", at: 0, reason: "string of 5 bytes runs past the end (2 left)" });
  });
});

describe("hostile counts", () => {
  const BODY = 4 << 20;
  const body = (header: number[], fill: number) => {
    const b = new Uint8Array(BODY).fill(fill);
    b.set(header);
    return b;
  };
  const FOUR_M = [0xdd, 0x00, 0x3d, 0x09, 0x00]; // array32 of 4,000,000

  test("a 4 MiB body announcing 4M ticks is refused from its header, without a walk", () => {
    // Its elements are all 0xc1: a walk would answer "malformed at byte 5" instead.
    const b = body(FOUR_M, 0xc1);
    expect(scan(b, 100_000)).toEqual({ kind: "too_many_ticks", count: 4_000_000 });
    expect(scan(b, 4_000_000)).toEqual({ kind: "malformed", at: 5, reason: "reserved byte 0xc1" });
    // The brief's body of 4M empty maps, and through decodeMsgpack: 413 before msgpackr runs.
    const maps = body(FOUR_M, 0x80);
    expect(scan(maps, 100_000)).toEqual({ kind: "too_many_ticks", count: 4_000_000 });
    expect(scan(maps, 4_000_000)).toMatchObject({ kind: "malformed", at: 5 + 4_000_000, reason: `${BODY - 5 - 4_000_000} trailing bytes after the value` });
    const err = (() => {
      try {
        decodeMsgpack(maps, 100_000);
      } catch (e) {
        return e as IngestError;
      }
    })();
    expect(err).toMatchObject({ status: 413, code: "body.too_many_ticks" });
  });
  test("array16 and fixarray headers over the limit", () => {
    expect(scan(bytes("dc ffff c1c1"), 100)).toEqual({ kind: "too_many_ticks", count: 65535 });
    expect(scan(bytes("94 c1c1c1c1"), 3)).toEqual({ kind: "too_many_ticks", count: 4 });
    expect(scan(bytes("94 01020304"), 4)).toBeNull();
    // A top-level map is one tick, whatever its size.
    expect(scan(bytes("82 a161 01 a162 02"), 1)).toBeNull();
  });
  test("a top-level count within the limit but beyond the bytes is malformed at once", () => {
    const b = cat(FOUR_M, new Uint8Array(1000).fill(0xc1));
    expect(scan(b, 10_000_000)).toEqual({ kind: "malformed", at: 0, reason: "array of 4000000 elements cannot fit in the 1000 bytes left" });
    expect(scan(bytes("dd 003d"), 10)).toEqual({ kind: "malformed", at: 0, reason: "truncated header (4 bytes needed, 2 left)" });
  });
  test("nested huge counts and lengths are malformed at their header, not walked", () => {
    const junk = new Uint8Array(64).fill(0xc1); // a walk would stop at the first of these
    const cases: [string, number, RegExp][] = [
      ["91 dd 7fffffff", 1, /^array of 2147483647 elements cannot fit in the 64 bytes left$/],
      ["91 df 80000000", 1, /^map of 2147483648 entries cannot fit/],
      ["91 dc ffff", 1, /^array of 65535 elements/],
      ["91 de ffff", 1, /^map of 65535 entries/],
      ["91 81 a161 dd ffffffff", 4, /^array of 4294967295 elements/],
      ["91 81 a161 91 91 df ffffffff", 6, /^map of 4294967295 entries/],
      ["91 db 7fffffff", 1, /^string of 2147483647 bytes runs past the end/],
      ["91 c6 7fffffff", 1, /^binary of 2147483647 bytes/],
      ["91 c9 7fffffff 00", 1, /^extension of 2147483647 bytes/],
    ];
    for (const [head, at, reason] of cases) {
      const problem = scan(cat(bytes(head), junk));
      expect(problem).toMatchObject({ kind: "malformed", at });
      expect((problem as { reason: string }).reason).toMatch(reason);
    }
    // A map of n entries needs 2n bytes: n alone is not enough.
    expect(scan(bytes("91 82 01 02 03"))).toEqual({ kind: "malformed", at: 1, reason: "map of 2 entries cannot fit in the 3 bytes left" });
    // Deep inside a 4 MiB body.
    const big = body([0x91, 0x81, 0xa1, 0x61, 0x91, 0xdf, 0x7f, 0xff, 0xff, 0xff], 0xc1);
    expect(scan(big)).toMatchObject({ kind: "malformed", at: 5, reason: `map of 2147483647 entries cannot fit in the ${BODY - 10} bytes left` });
  });
});

describe("depth", () => {
  const arrays = (levels: number, inner = "90") => bytes("91".repeat(levels - 1) + inner);
  const maps = (levels: number) => bytes("81a161".repeat(levels - 1) + "80");
  test(`${MAX_DEPTH} levels are allowed, ${MAX_DEPTH + 1} are too deep (an empty container counts)`, () => {
    expect(scan(arrays(MAX_DEPTH))).toBeNull();
    expect(scan(arrays(MAX_DEPTH + 1))).toEqual({ kind: "too_deep" });
    expect(scan(maps(MAX_DEPTH))).toBeNull();
    expect(scan(maps(MAX_DEPTH + 1))).toEqual({ kind: "too_deep" });
    expect(scan(arrays(MAX_DEPTH + 1, "01"))).toBeNull(); // 8 containers; a scalar is not a level
    // An array of ticks whose field nests: level 1 array, 2 tick, 3.. the field's value.
    const tick = (fieldLevels: number) => bytes("91 81 a161" + "91".repeat(fieldLevels - 1) + "90");
    expect(scan(tick(MAX_DEPTH - 2))).toBeNull();
    expect(scan(tick(MAX_DEPTH - 1))).toEqual({ kind: "too_deep" });
  });
  test("too deep is answered when seen, before what follows", () => {
    expect(scan(cat(arrays(MAX_DEPTH + 1, "91"), new Uint8Array(64).fill(0xc1)))).toEqual({ kind: "too_deep" });
    expect(scan(arrays(MAX_DEPTH + 1, "9191"))).toEqual({ kind: "too_deep" }); // truncated after it
    // A too-deep header whose own count cannot fit is malformed, as msgpackr would have answered.
    expect(scan(arrays(MAX_DEPTH + 1, "92"))).toEqual({ kind: "malformed", at: MAX_DEPTH, reason: "array of 2 elements cannot fit in the 0 bytes left" });
  });
  test("hostile nesting does not reach the JS stack", () => {
    const deep = cat(new Uint8Array(200_000).fill(0x91), [0x01]);
    expect(scan(deep)).toEqual({ kind: "too_deep" });
    expect(scan(deep, 1, Infinity)).toBeNull(); // walked iteratively, 200,000 levels
    expect(scan(deep.subarray(0, 200_000), 1, Infinity)).toEqual({ kind: "malformed", at: 199_999, reason: "array of 1 element cannot fit in the 0 bytes left" });
  });
  test("agrees with the decoder's post-decode depth check on seeded random nestings", () => {
    const rand = prng(3);
    const nest = (levels: number): unknown => {
      if (levels === 0) return rand() < 0.5 ? 1 : "x";
      const inner = () => nest(rand() < 0.3 ? Math.floor(rand() * levels) : levels - 1);
      const n = 1 + Math.floor(rand() * 3);
      return rand() < 0.5 ? Array.from({ length: n }, inner) : Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, inner()]));
    };
    for (let i = 0; i < 2000; i++) {
      const b = packr.pack(nest(1 + Math.floor(rand() * 12)));
      const before = answer(() => asTicks(unpackr.unpack(b), 1e9, "body")) === "body.too_deep";
      expect({ b: hexOf(b), deep: scan(b)?.kind === "too_deep" }).toEqual({ b: hexOf(b), deep: before });
    }
  });
});

describe("refused bytes", () => {
  test("trailing bytes after the value (msgpackr refuses them too)", () => {
    const tick = packr.pack({ a: 1 });
    const b = cat(tick, [0x01, 0x02]);
    expect(scan(b)).toEqual({ kind: "malformed", at: tick.length, reason: "2 trailing bytes after the value" });
    expect(unpackThrows(b)).toBe(true);
    expect(scan(bytes("c0 c0"))).toEqual({ kind: "malformed", at: 1, reason: "1 trailing byte after the value" });
    expect(scan(bytes("90 00"))).toMatchObject({ kind: "malformed", at: 1 });
  });
  test("0xc1 wherever a value or key starts", () => {
    const rand = prng(11);
    // Every node of seeded random trees in turn, replaced by C1 (which msgpackr packs as 0xc1).
    const paths = (v: unknown, path: (string | number)[] = []): (string | number)[][] =>
      v !== null && typeof v === "object" && !(v instanceof Uint8Array) && !(v instanceof Date)
        ? [path, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...path, Array.isArray(v) ? Number(k) : k]))]
        : [path];
    const replaced = (v: any, path: (string | number)[]): unknown => {
      if (path.length === 0) return C1;
      const copy = Array.isArray(v) ? [...v] : { ...v };
      copy[path[0]] = replaced(v[path[0]], path.slice(1));
      return copy;
    };
    let checked = 0;
    for (let i = 0; i < 100; i++) {
      const tree = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => randomValue(rand, 3));
      for (const path of paths(tree)) {
        const b = packr.pack(replaced(tree, path));
        const problem = scan(b);
        expect(problem).toMatchObject({ kind: "malformed", reason: "reserved byte 0xc1" });
        expect(b[(problem as { at: number }).at]).toBe(0xc1);
        expect(answer(() => decodeBefore(b, 1e9))).toBe("body.malformed"); // as before
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(500);
    expect(scan(bytes("c1"))).toEqual({ kind: "malformed", at: 0, reason: "reserved byte 0xc1" });
    expect(scan(bytes("81 c1 01"))).toEqual({ kind: "malformed", at: 1, reason: "reserved byte 0xc1" }); // a key
    expect(scan(bytes("92 01 c1"))).toEqual({ kind: "malformed", at: 2, reason: "reserved byte 0xc1" });
  });
  test("map keys that are arrays or maps (msgpackr throws on them too, whatever their depth)", () => {
    for (const [b, reason] of [
      [bytes("81 91 01 02"), "map key is an array"],
      [bytes("81 80 02"), "map key is a map"],
      [bytes("81" + "91".repeat(20) + "01 02"), "map key is an array"],
    ] as const) {
      expect(scan(b)).toEqual({ kind: "malformed", at: 1, reason });
      expect(unpackThrows(b)).toBe(true);
    }
  });
  test("extensions msgpackr decodes from their payload are accepted; unknown ones refused as msgpackr does", () => {
    const more = new Packr({ useRecords: false, moreTypes: true, useBigIntExtension: true } as any);
    for (const v of [new Date(), undefined, new Float32Array([1.5]), 2n ** 100n]) {
      const b = more.pack({ v });
      expect(scan(b)).toBeNull();
      expect(unpackThrows(b)).toBe(false);
    }
    const unknown = bytes("81 a161 d4 10 00");
    expect(scan(unknown)).toEqual({ kind: "malformed", at: 3, reason: "extension type 0x10 is not accepted" });
    expect(unpackThrows(unknown)).toBe(true);
  });
});

describe("decodeMsgpack answers", () => {
  const thrown = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e as IngestError;
    }
    throw new Error("did not throw");
  };
  test("valid bodies decode exactly as before", () => {
    const gen = tickStream({ seed: 5, symbols: 20, badShare: 0.3 });
    for (let i = 0; i < 50; i++) {
      const ticks = gen.batch(1 + (i % 7) * 40).map((s) => s.tick);
      const b = packr.pack(i % 5 === 0 ? ticks[0] : ticks);
      expect(decodeMsgpack(b, 1000)).toEqual(decodeBefore(b, 1000));
    }
  });
  test("each problem maps to its error", () => {
    expect(thrown(() => decodeMsgpack(bytes("93 01 02 03"), 2))).toMatchObject({ status: 413, code: "body.too_many_ticks", detail: { limit: 2 } });
    expect(thrown(() => decodeMsgpack(bytes("91".repeat(MAX_DEPTH) + "90"), 10))).toMatchObject({ status: 400, code: "body.too_deep", detail: { maxDepth: MAX_DEPTH } });
    const e = thrown(() => decodeMsgpack(bytes("92 81 a161 01 c1"), 10, "frame"));
    expect(e).toMatchObject({ status: 400, code: "body.malformed", detail: { position: 5 } });
    expect(e.message).toBe("frame is not valid MessagePack: reserved byte 0xc1 at byte 5");
    // Scalars and binary still pass the scan and get the shape check's message.
    expect(thrown(() => decodeMsgpack(packr.pack("tick"), 10)).message).toBe("body must be a tick object or an array of ticks, got string");
  });
  test("seeded mutations: the same answer as before, except where the scan is meant to differ", () => {
    const rand = prng(99);
    const ticks = tickStream({ seed: 3, symbols: 5 }).batch(4).map((s) => s.tick);
    const bases = [packr.pack(ticks), packr.pack(ticks[0]), packr.pack([[[[[[[1]]]]]]]), packr.pack([{ a: [[[[[[1]]]]]] }])];
    const tokens = [0xc1, 0x91, 0x81, 0xdc, 0xdd, 0xdf, 0xd4, 0xc7, 0x00, 0xa1];
    const differ = new Map<string, number>();
    // msgpackr alone is slow on the mutated huge counts (that is the point of the scan): few cases.
    for (let i = 0; i < 10_000; i++) {
      const b = Array.from(bases[i % bases.length]);
      for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) {
        const at = Math.floor(rand() * b.length);
        const byte = rand() < 0.5 ? Math.floor(rand() * 256) : tokens[Math.floor(rand() * tokens.length)];
        const op = rand();
        if (op < 0.3) b.splice(at, 1);
        else if (op < 0.7) b[at] = byte;
        else b.splice(at, 0, byte);
      }
      const body = new Uint8Array(b);
      const maxTicks = rand() < 0.2 ? 2 : 100;
      const before = answer(() => decodeBefore(body, maxTicks));
      const now = answer(() => decodeMsgpack(body, maxTicks));
      if (before === now) continue;
      const problem = scan(body, maxTicks);
      // The known differences: the tick count is read from the header before anything else; depth is
      // answered where it is seen, before a later flaw msgpackr would have thrown on; extensions
      // msgpackr reads past (Set, Error, RegExp, records...) are refused.
      const why =
        problem?.kind === "too_many_ticks" && before === "body.malformed" ? "count before malformed"
        : problem?.kind === "too_deep" && before === "body.malformed" ? "depth before malformed"
        : problem?.kind === "malformed" && /^extension type/.test(problem.reason) ? "msgpackr-only extension"
        : `unexplained: ${before} -> ${now} for ${hexOf(body)}`;
      differ.set(why, (differ.get(why) ?? 0) + 1);
    }
    expect([...differ.keys()].filter((k) => k.startsWith("unexplained"))).toEqual([]);
    expect(differ.get("count before malformed")).toBeGreaterThan(0);
  }, 30_000);
});

describe("differences from msgpackr alone, on purpose", () => {
  test("msgpackr's own extensions that read past their payload are refused", () => {
    const cases: [string, Uint8Array][] = [
      ["records (any new Packr() without useRecords: false)", new Packr().pack([{ a: 1, b: 2 }, { a: 3, b: 4 }])],
      ["Set", new Packr({ useRecords: false, moreTypes: true } as any).pack({ s: new Set([1, 2]) })],
      ["RegExp", new Packr({ useRecords: false, moreTypes: true } as any).pack({ r: /a/g })],
      ["Error", new Packr({ useRecords: false, moreTypes: true } as any).pack({ e: new Error("x") })],
      ["bundled strings", new Packr({ useRecords: false, bundleStrings: true } as any).pack({ s: "a string long enough to bundle ".repeat(4) })],
    ];
    for (const [name, b] of cases) {
      expect({ name, before: answer(() => decodeBefore(b, 100)) }).toEqual({ name, before: "ok" });
      expect({ name, problem: scan(b) }).toMatchObject({ name, problem: { kind: "malformed", reason: expect.stringMatching(/^extension type 0x(72|73|78|65|62) is not accepted$/) } });
    }
  });
  test("a later duplicate key no longer hides a bad value", () => {
    // msgpackr keeps the last value for a key, so the post-decode checks never saw the first.
    const b = bytes("91 82 a161" + "91".repeat(MAX_DEPTH - 2) + "90" + "a161 01"); // {a: 9 levels deep, a: 1}
    expect(answer(() => decodeBefore(b, 10))).toBe("ok");
    expect(scan(b)).toEqual({ kind: "too_deep" });
    const c1 = bytes("91 82 a161 c1 a161 01");
    expect(answer(() => decodeBefore(c1, 10))).toBe("ok");
    expect(scan(c1)).toEqual({ kind: "malformed", at: 4, reason: "reserved byte 0xc1" });
  });
});
