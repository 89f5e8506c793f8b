// JSON body generators: byte mutants of good bodies, truncation at each kind of position, odd
// numbers and strings in tick fields, duplicate keys, long strings, deep nesting, broken encodings,
// and values that are not a tick list at all. Each returns the body bytes and a short note.
import { concat, utf8 } from "./bytes.ts";
import { mutate } from "./mutate.ts";
import type { Rand } from "./rand.ts";
import type { Tick } from "./ticks.ts";

export interface Made {
  body: Uint8Array;
  note: string;
}

const stringify = (r: Rand, v: unknown) => (r.chance(0.2) ? JSON.stringify(v, null, r.pick([1, 2, "\t"])) : JSON.stringify(v));
const asBody = (r: Rand, ticks: Tick[]) => (ticks.length === 1 && r.chance(0.3) ? ticks[0] : ticks);

/** Flips, inserts, deletes, duplicates, repeats and cuts bytes of a good body. */
export function jsonBytes(r: Rand, ticks: Tick[]): Made {
  const { bytes, ops } = mutate(r, utf8(stringify(r, asBody(r, ticks))), r.range(1, 6));
  return { body: bytes, note: ops.join(",") };
}

/** Where a body can be cut, by kind: each kind is a regex whose match positions are cut points. */
const CUTS: Record<string, RegExp> = {
  "after-open": /[[{]/g,
  "in-key": /"[a-zA-Z]/g, // just inside a key or string value
  "after-key": /":/g,
  "after-colon": /:/g,
  "in-number": /\d(?=[\d.eE])/g,
  "after-minus": /-(?=\d)/g,
  "after-dot": /\.(?=\d)/g,
  "in-exponent": /[eE](?=[+-]?\d)/g,
  "after-comma": /,/g,
  "in-escape": /\\u?/g,
  "in-literal": /(?<=t|f|n)(?=rue|alse|ull)/g,
  "before-close": /[\]}]$/g,
};

/** Cuts a good body (with escapes, multi-byte characters, exponents and literals in it) at one kind of position. */
export function jsonTruncated(r: Rand, ticks: Tick[]): Made {
  const t = { ...ticks[0], note: "caf\u00e9 \u20ac \ud834\udd1e \\ \"q\" \n", ratio: 1.5e-7, flag: true, none: null, off: false };
  const text = JSON.stringify([t, ...ticks.slice(1)]);
  const bytes = utf8(text);
  const kind = r.pick([...Object.keys(CUTS), "in-utf8", "anywhere"]);
  let cut: number;
  if (kind === "anywhere") cut = r.int(bytes.length);
  else if (kind === "in-utf8") {
    const starts: number[] = [];
    for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0xc0) starts.push(i);
    const s = r.pick(starts);
    cut = s + 1 + r.int(bytes[s] >= 0xf0 ? 3 : bytes[s] >= 0xe0 ? 2 : 1);
  } else {
    // Cut points are character offsets; the text before them is ASCII-or-not, so convert to bytes.
    const points = [...text.matchAll(CUTS[kind])].map((m) => m.index! + m[0].length);
    const at = points.length ? r.pick(points) : r.int(text.length);
    cut = utf8(text.slice(0, at)).length;
  }
  return { body: bytes.subarray(0, cut), note: `cut ${kind} at ${cut}/${bytes.length}` };
}

/** Raw JSON literals for a field: numbers at the edges of float64, odd strings, wrong types, and a few invalid spellings. */
const ODD_VALUES = [
  "1e309", "-1e309", "-0", "1e-400", "123456789012345678901234567890", "-123456789012345678901234567890", "9007199254740993",
  "5e-324", "1.7976931348623157e308", "0.1e1", "1E+2", "0e0", "-0.0", "1" + "0".repeat(400), "0." + "0".repeat(400) + "1",
  '""', '" "', '"\\uD800"', '"\\uDC00"', '"\\uD800\\u0041"', '"\\uDBFF\\uDFFF"', '"\\u0000"', '"\\u0000\\u0000abc"', '"\\ud83d\\ude00"',
  '"1e309"', '"NaN"', '"-0"', '"\u2028\u2029"', '"BTC\\/USDT"', '"\u00c9\u0301"', '"\u{10ffff}"',
  "[]", "{}", "[1]", '{"value":1}', "null", "true", "false", '[{"price":1}]',
  // names a plain-object lookup table would trip over, as exchange / symbol / side / type values
  '"__proto__"', '"constructor"', '"hasOwnProperty"', '"toString"', '"valueOf"', '"__proto__-USDT"', '"constructor/USD"', '"prototype_BTC"',
  // timestamps: ISO strings at and past the edges, and numbers at the ms / µs / ns boundaries
  `"${new Date().toISOString()}"`, '"2026-13-45T99:99:99Z"', '"+275760-09-13T00:00:00.000Z"', '"1970-01-01"', '"2026-06-30T23:59:60Z"',
  '"2026-01-01T00:00:00.123456789123456789Z"', '"2026-01-01T00:00:00+99:99"', '" 2026-01-01T00:00:00Z"', "99999999999999", "100000000000000", "-1", "1e15", "1e18", "9.99e17",
  // not JSON: each must make the whole body a 400
  "NaN", "Infinity", "-Infinity", "0x10", "01", "+1", ".5", "1.", "1e", "--1", "undefined", "'x'", "\"\\x41\"", "\"\\u12\"",
];
const FIELDS = ["type", "exchange", "symbol", "ts", "price", "size", "side", "tradeId", "bid", "bidSize", "ask", "askSize", "seq"];

/** Good ticks with 1-3 fields replaced by odd literals, or odd extra fields (valid JSON unless the literal is not). */
export function jsonValues(r: Rand, ticks: Tick[]): Made {
  const literals: string[] = [];
  const notes: string[] = [];
  const edited = ticks.map((t) => ({ ...t }));
  for (let k = r.range(1, 3); k > 0; k--) {
    const t = r.pick(edited);
    const roll = r.next();
    const field = roll < 0.75 ? r.pick(FIELDS) : roll < 0.85 ? r.pick(["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"]) : roll < 0.95 ? `x${r.int(1000)}` : "";
    const literal = r.pick(ODD_VALUES);
    t[field] = `\u0001${literals.length}\u0001`;
    literals.push(literal);
    notes.push(`${field || '""'}=${literal.length > 24 ? literal.slice(0, 24) + "…" : literal}`);
  }
  if (r.chance(0.1)) {
    // Many fields (a maxFields check may refuse it): 50-400 unknown keys on one tick.
    const t = r.pick(edited);
    for (let i = r.range(50, 400); i > 0; i--) t[`k${i}`] = i;
    notes.push("many fields");
  }
  // JSON.stringify writes the placeholder "\u0001N\u0001" as a quoted escape; swap in the raw literal.
  const text = JSON.stringify(asBody(r, edited)).replace(/"\\u0001(\d+)\\u0001"/g, (_, i) => literals[Number(i)]);
  return { body: utf8(text), note: notes.join(" ") };
}

/** A tick whose keys repeat: which value wins is the parser's business, but each body is still one tick. */
export function jsonDuplicateKeys(r: Rand, ticks: Tick[]): Made {
  const t = ticks[0];
  const parts = Object.entries(t).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  const k = r.pick(Object.keys(t));
  const times = r.chance(0.1) ? r.range(100, 5000) : r.range(1, 4);
  const alt = JSON.stringify(r.pick([-1, 0, "x", null, [], {}, "1e309", t[k]]));
  for (let i = 0; i < times; i++) parts.splice(r.int(parts.length + 1), 0, `${JSON.stringify(k)}:${alt}`);
  const tick = `{${parts.join(",")}}`;
  const text = r.chance(0.5) ? tick : `[${[tick, ...ticks.slice(1).map((x) => JSON.stringify(x))].join(",")}]`;
  return { body: utf8(text), note: `${k}×${times + 1}` };
}

/** One long string (or number, or key, or run of white space): 1 KB-200 KB spread over the orders of magnitude, now and then a few MB. */
export function jsonLongString(r: Rand, ticks: Tick[], maxBytes: number): Made {
  const len = r.chance(0.05) ? r.range(1 << 20, maxBytes - 4096) : 1000 + r.size(200_000);
  const unit = r.pick(["a", "\u00e9", "\u20ac", "\ud83d\ude00", "\\n", "\\u0041", "\\\\", "\\ud800", " "]);
  const body = (n: number) => unit.repeat(Math.max(1, Math.floor(n / utf8(unit).length)));
  const where = r.pick(["symbol", "exchange", "tradeId", "side", "type", "extra", "key", "number", "whitespace"]);
  const t = ticks[0];
  let text: string;
  if (where === "key") text = JSON.stringify({ ...t }).replace(/^\{/, `{"${body(len)}":1,`);
  else if (where === "number") text = JSON.stringify({ ...t, price: 0 }).replace(/"price":0/, `"price":1${"0".repeat(len)}`);
  else if (where === "whitespace") text = `[${" \t\r\n".repeat(len >> 2)}${JSON.stringify(t)}]`;
  else text = JSON.stringify({ ...t, [where === "extra" ? "comment" : where]: "\u0001" }).replace('"\\u0001"', `"${body(len)}"`);
  return { body: utf8(text), note: `${where}: ${len} bytes of ${JSON.stringify(unit)}` };
}

/** Deep nesting: unbalanced and balanced runs of [ and {, in a field or at the top, around the limit and far past it. */
export function jsonDeep(r: Rand, ticks: Tick[]): Made {
  const depth = r.pick([7, 8, 9, 10, 64, 1000, 10_000, 10_000, 100_000]);
  const shape = r.pick(["[", "[]", "{a:", "{a:}", "field", "mixed"]);
  const t = JSON.stringify(ticks[0]);
  let text: string;
  if (shape === "[") text = "[".repeat(depth);
  else if (shape === "[]") text = "[".repeat(depth) + "]".repeat(depth);
  else if (shape === "{a:") text = '{"a":'.repeat(depth) + "1";
  else if (shape === "{a:}") text = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  else if (shape === "field") text = `[${t.slice(0, -1)},"price":${"[".repeat(depth)}1${"]".repeat(depth)}}]`;
  else text = '[{"a":'.repeat(depth >> 1) + "0" + "}]".repeat(depth >> 1);
  return { body: utf8(text), note: `${shape} ×${depth}` };
}

const BAD_UTF8: [string, number[]][] = [
  ["0xff", [0xff]], ["0xfe", [0xfe]], ["overlong /", [0xc0, 0xaf]], ["overlong NUL", [0xc0, 0x80]], ["surrogate D800", [0xed, 0xa0, 0x80]],
  ["over U+10FFFF", [0xf4, 0x90, 0x80, 0x80]], ["cut 3-byte", [0xe2, 0x82]], ["lone continuation", [0x80]], ["5-byte", [0xf8, 0x88, 0x80, 0x80, 0x80]],
];

/** Broken or odd encodings: invalid UTF-8, a BOM, UTF-16, NUL bytes, lone surrogate escapes, raw control characters. */
export function jsonEncoding(r: Rand, ticks: Tick[]): Made {
  const text = JSON.stringify(asBody(r, ticks));
  const bytes = utf8(text);
  const inString = () => {
    const quotes = [...text.matchAll(/"[a-z]/g)].map((m) => m.index! + 1);
    return utf8(text.slice(0, r.pick(quotes))).length;
  };
  const at = () => (r.chance(0.7) ? inString() : r.int(bytes.length + 1));
  const insertAt = (pos: number, piece: number[] | Uint8Array | string) => concat(bytes.subarray(0, pos), piece, bytes.subarray(pos));
  switch (r.int(9)) {
    case 0: {
      const [name, seq] = r.pick(BAD_UTF8);
      return { body: insertAt(at(), seq), note: `invalid UTF-8 (${name})` };
    }
    case 1:
      return { body: concat([0xef, 0xbb, 0xbf], bytes), note: "BOM then a good body" };
    case 2:
      return { body: insertAt(r.int(bytes.length + 1), [0xef, 0xbb, 0xbf]), note: "BOM inside the body" };
    case 3: {
      const le = r.chance(0.5);
      const out = new Uint8Array(text.length * 2 + 2);
      out.set(le ? [0xff, 0xfe] : [0xfe, 0xff]);
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        out[2 + i * 2 + (le ? 0 : 1)] = c & 0xff;
        out[2 + i * 2 + (le ? 1 : 0)] = c >> 8;
      }
      return { body: r.chance(0.5) ? out : out.subarray(2), note: `UTF-16${le ? "LE" : "BE"}` };
    }
    case 4: {
      const pos = r.pick([at(), bytes.length, 0]);
      return { body: insertAt(pos, new Uint8Array(r.range(1, 4))), note: `NUL bytes at ${pos}` };
    }
    case 5: {
      const esc = r.pick(["\\uD800", "\\uDFFF", "\\uD800\\uD800", "\\uDC00\\uD800", "\\uD83D", "\\uD800x"]);
      const t = { ...ticks[0], [r.pick(["symbol", "exchange", "tradeId", "side", "note"])]: "\u0001" };
      return { body: utf8(JSON.stringify(t).replace('"\\u0001"', `"BTC${esc}"`)), note: `lone surrogate ${esc}` };
    }
    case 6: {
      const c = r.pick([0x01, 0x08, 0x09, 0x0a, 0x0d, 0x1f, 0x7f]);
      return { body: insertAt(inString(), [c]), note: `raw control 0x${c.toString(16)} in a string` };
    }
    case 7:
      return { body: insertAt(r.pick([0, bytes.length]), r.pick(["\u00a0", "\u2028", "\u3000", "\u000b", "\u000c"])), note: "non-JSON white space" };
    default: {
      // A valid UTF-8 body that spells every escape JSON has.
      const t = { ...ticks[0], note: "\"\\/\b\f\n\r\t\u0000\u001f\u007f\u0080\u2028\ud7ff\ue000\uffff" };
      return { body: utf8(JSON.stringify(t).replace(/\//g, "\\/")), note: "every escape" };
    }
  }
}

/** Values that are not a list of ticks (scalars, a string holding JSON), JSON extensions, trailing garbage. */
export function jsonWrapped(r: Rand, ticks: Tick[]): Made {
  const good = JSON.stringify(ticks);
  const options: [string, string][] = [
    ["string holding the body", JSON.stringify(good)],
    ["number", r.pick(["42", "-0", "1e309", "0"])], ["null", "null"], ["true", "true"], ["string", '"trade"'],
    ["array of arrays", `[${good}]`], ["array of scalars", "[1,2,3]"], ["array of nulls", "[null,null]"], ["empty object", "{}"], ["empty array", "[]"],
    ["two documents", good + good], ["trailing garbage", good + "x"], ["trailing comma", good.slice(0, -1) + ",]"],
    ["comment", "/* ticks */" + good], ["single quotes", good.replace(/"/g, "'")], ["unquoted keys", good.replace(/"(\w+)":/g, "$1:")],
    ["leading white space", "\n\t \r\n" + good + "\n"], ["only white space", " \n\t\r "],
  ];
  const [note, text] = r.pick(options);
  return { body: utf8(text), note };
}

/** A flat array at or just past the tick limit (small on the wire: one byte a tick). */
export function jsonManyTicks(r: Rand, maxTicks: number): Made {
  const n = maxTicks + r.pick([1, 1, 1000, 0]);
  const item = r.pick(["0", "{}", "null"]);
  return { body: utf8(`[${(item + ",").repeat(n - 1)}${item}]`), note: `${n} × ${item}` };
}

/** A body over the byte limit (413 body.too_large; the server may close before reading it all). */
export function jsonTooLarge(r: Rand, ticks: Tick[], limit: number): Made {
  const pad = limit + r.range(1, 4096) - 2 - JSON.stringify(ticks[0]).length;
  return { body: utf8(`[${JSON.stringify(ticks[0])}${" ".repeat(pad)}]`), note: `${limit} + a few bytes` };
}
