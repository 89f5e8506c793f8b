// Body decoding in memory: content types, limits, the JSON error position, NDJSON streaming.
import { describe, expect, test } from "bun:test";
import { pack } from "msgpackr";
import { IngestError } from "../../src/errors.ts";
import { bodyKind, decodeJson, decodeMsgpack, MAX_DEPTH, readNdjson } from "../../src/ingest/decode.ts";
import { findJsonError } from "../../src/ingest/json-position.ts";
import { fnv1a, workerFor } from "../../src/ingest/route.ts";
import { prng } from "../../bench/lib/tick-gen.ts";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as IngestError).code;
  }
  return "no error";
};

describe("content types", () => {
  test("known types map to their decoder; parameters and case are ignored", () => {
    expect(bodyKind("application/json")).toBe("json");
    expect(bodyKind("Application/JSON; charset=utf-8")).toBe("json");
    expect(bodyKind("application/msgpack")).toBe("msgpack");
    expect(bodyKind("application/x-msgpack")).toBe("msgpack");
    expect(bodyKind("application/x-ndjson")).toBe("ndjson");
  });
  test("anything else is 415", () => {
    for (const t of [null, "", "text/plain", "application/xml", "multipart/form-data"]) {
      expect(code(() => bodyKind(t))).toBe("body.unsupported_type");
    }
  });
});

describe("JSON and MessagePack bodies", () => {
  test("one tick or an array of ticks", () => {
    expect(decodeJson('{"a":1}', 10)).toEqual([{ a: 1 }]);
    expect(decodeJson("[1, {}]", 10)).toEqual([1, {}]);
    expect(decodeMsgpack(pack([{ a: 1 }, { b: 2 }]), 10)).toEqual([{ a: 1 }, { b: 2 }]);
    expect(decodeMsgpack(pack({ a: 1 }), 10)).toEqual([{ a: 1 }]);
  });
  test("scalars, null, binary, empty and over-count bodies are refused", () => {
    expect(code(() => decodeJson("null", 10))).toBe("body.malformed");
    expect(code(() => decodeJson('"tick"', 10))).toBe("body.malformed");
    expect(code(() => decodeJson("  ", 10))).toBe("body.empty");
    expect(code(() => decodeMsgpack(pack(new Uint8Array([1, 2])), 10))).toBe("body.malformed");
    expect(code(() => decodeJson("[1,2,3]", 2))).toBe("body.too_many_ticks");
    expect(code(() => decodeMsgpack(new Uint8Array([0xc1]), 10))).toBe("body.malformed");
    expect(code(() => decodeMsgpack(pack([{ a: 1 }, 2]).subarray(0, 3), 10))).toBe("body.malformed");
  });
  test(`nesting is allowed up to ${MAX_DEPTH} levels and refused beyond`, () => {
    const nest = (d: number) => "[".repeat(d) + "]".repeat(d);
    expect(decodeJson(nest(MAX_DEPTH), 10)).toHaveLength(1);
    expect(code(() => decodeJson(nest(MAX_DEPTH + 1), 10))).toBe("body.too_deep");
    expect(code(() => decodeJson(nest(200_000), 10))).toBe("body.too_deep");
  });
  test("keys like __proto__ stay plain data", () => {
    const [t] = decodeJson('{"__proto__": {"polluted": 1}, "constructor": 2}', 10) as any[];
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.keys(t)).toContain("__proto__");
  });
});

describe("JSON error position", () => {
  test("points at the first broken character", () => {
    expect(findJsonError("[1,2")).toMatchObject({ position: 4, reason: "unexpected end of input" });
    expect(findJsonError('{"a":1,}')).toMatchObject({ position: 7 });
    expect(findJsonError("[1 2]")).toMatchObject({ position: 3 });
    expect(findJsonError('{"a":\n tru}')).toMatchObject({ position: 7, line: 2, column: 2 });
    expect(findJsonError("{}x")).toMatchObject({ position: 2 });
  });
  test("agrees with JSON.parse on what is valid (seeded random mutations)", () => {
    const rand = prng(99);
    const base = JSON.stringify([{ type: "trade", price: 1.5e3, side: "buy", id: null, ok: true, n: [-0.5, 2, 'q"uo\\te\u00e9'] }]);
    const alphabet = '{}[],:"\\ 0123456789.-+eEtrufalsn\n';
    for (let i = 0; i < 20_000; i++) {
      const chars = base.split("");
      for (let m = 1 + Math.floor(rand() * 3); m > 0; m--) {
        const at = Math.floor(rand() * chars.length);
        const op = rand();
        if (op < 0.4) chars.splice(at, 1);
        else if (op < 0.8) chars[at] = alphabet[Math.floor(rand() * alphabet.length)];
        else chars.splice(at, 0, alphabet[Math.floor(rand() * alphabet.length)]);
      }
      const text = chars.join("");
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      const err = findJsonError(text);
      if (valid !== (err === null)) throw new Error(`disagree on ${JSON.stringify(text)}: JSON.parse ${valid}, scanner ${JSON.stringify(err)}`);
    }
  });
});

describe("NDJSON", () => {
  const stream = (text: string, chunk = 5) => {
    const bytes = new TextEncoder().encode(text);
    return new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += chunk) c.enqueue(bytes.subarray(i, i + chunk));
        c.close();
      },
    });
  };
  const all = async (text: string, opts = { limitBytes: 1 << 20, maxTicks: 1000, batchSize: 2 }) => {
    const out = [];
    for await (const batch of readNdjson(stream(text), opts)) out.push(...batch);
    return out;
  };
  test("lines split across chunks, CRLF, blank lines and a last line without newline", async () => {
    const lines = await all('{"a":1}\r\n\n{"b":"é"}\n  \n{"c":3}');
    expect(lines.map((l) => [l.index, l.value])).toEqual([[0, { a: 1 }], [1, { b: "é" }], [2, { c: 3 }]]);
  });
  test("a broken line is yielded with its error; the rest go on", async () => {
    const lines = await all('{"a":1}\n{oops\n{"c":3}\n');
    expect(lines[1]).toMatchObject({ index: 1, value: "{oops" });
    expect(lines[1].error).toContain("line 2");
    expect(lines[2]).toMatchObject({ index: 2, value: { c: 3 } });
    // The error names the line of the body (blank lines counted), as `line` does; `index` is the tick's.
    const gap = await all('{"a":1}\n\n{oops\n');
    expect(gap[1]).toMatchObject({ index: 1, line: 3 });
    expect(gap[1].error).toStartWith("line 3:");
  });
  test("more bytes than the limit is 413", async () => {
    let err: unknown;
    try {
      await all('{"a":1}\n'.repeat(100), { limitBytes: 100, maxTicks: 1000, batchSize: 2 });
    } catch (e) {
      err = e;
    }
    expect((err as IngestError).code).toBe("body.too_large");
  });
  const failure = async (text: string, chunk: number, opts: Parameters<typeof readNdjson>[1]) => {
    const got: unknown[] = [];
    try {
      for await (const batch of readNdjson(stream(text, chunk), opts)) got.push(...batch);
    } catch (e) {
      return { taken: got.length, code: (e as IngestError).code };
    }
    return { taken: got.length, code: null };
  };
  test("a line over the limit is 413 however the chunks fall (whole in one chunk, or split)", async () => {
    const text = '{"a":1}\n' + "x".repeat(101) + '\n{"b":2}\n';
    for (const chunk of [3, 50, 1000]) {
      expect(await failure(text, chunk, { limitBytes: 1 << 20, maxTicks: 10, batchSize: 1, maxLineBytes: 100 })).toMatchObject({ code: "body.line_too_long" });
    }
    expect(await failure('{"a":1}\n' + "x".repeat(100) + "\n", 1000, { limitBytes: 1 << 20, maxTicks: 10, batchSize: 1, maxLineBytes: 100 })).toEqual({ taken: 2, code: null });
  });
  test("past maxTicks lines: exactly maxTicks are yielded, then 413, also from one big chunk", async () => {
    for (const chunk of [7, 1 << 16]) {
      expect(await failure('{"a":1}\n'.repeat(50), chunk, { limitBytes: 1 << 20, maxTicks: 20, batchSize: 8 })).toEqual({ taken: 20, code: "body.too_many_ticks" });
    }
  });
  test("a batch of long lines is handed on at 1 Mi characters, whatever its count", async () => {
    const line = JSON.stringify({ pad: "x".repeat(400_000) });
    const sizes: number[] = [];
    // One chunk holds all seven lines, so only the character bound splits them.
    for await (const batch of readNdjson(stream((line + "\n").repeat(7), 1 << 22), { limitBytes: 1 << 24, maxTicks: 1000, batchSize: 512 })) sizes.push(batch.length);
    expect(sizes).toEqual([3, 3, 1]);
  });
  test("the lines a chunk completes are handed on at its end, not held for a full batch", async () => {
    const sizes: number[] = [];
    // 10-byte chunks of 8-byte lines: each chunk completes one line (the last one also the carry).
    for await (const batch of readNdjson(stream('{"a":1}\n'.repeat(12), 10), { limitBytes: 1 << 20, maxTicks: 1000, batchSize: 512 })) sizes.push(batch.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(12);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2);
  });
  test("a batch is handed on when full, also in the middle of a chunk", async () => {
    const sizes: number[] = [];
    for await (const batch of readNdjson(stream('{"a":1}\n'.repeat(100), 1 << 16), { limitBytes: 1 << 20, maxTicks: 1000, batchSize: 16 })) sizes.push(batch.length);
    expect(Math.max(...sizes)).toBe(16);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
  });
});

describe("routing", () => {
  test("stable FNV-1a hash (pinned values), spread over workers", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("binance:BTC-USDT")).toBe(fnv1a("binance:BTC-USDT"));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[workerFor(`ex${i % 7}:SYM${i}-USD`, 4)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(workerFor("anything", 1)).toBe(0);
  });
});
