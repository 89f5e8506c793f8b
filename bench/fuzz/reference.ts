// The reference model: what the contract (docs/api.md "Endpoints" and "Errors") says a
// body must get, worked out independently of the server's decoder: JSON by the standard parser,
// MessagePack by a strict framing walk written here, NDJSON by counting lines. Where the contract
// leaves room (a BOM, an ext type, a charset parameter) the verdict says so instead of guessing.
import type { Expect } from "./case.ts";

export interface Limits {
  /** MAX_TICKS_PER_REQUEST: ticks in one JSON/MessagePack body or WebSocket frame */
  maxTicks: number;
  /** NDJSON_MAX_TICKS: lines in one NDJSON body */
  ndjsonTicks: number;
  bodyBytes: number;
  lineBytes: number;
}

/** The limits a server started by the fuzzer runs with (it passes them in its environment). */
export const DEFAULT_LIMITS: Limits = { maxTicks: 100_000, ndjsonTicks: 100_000, bodyBytes: 4 * 1024 * 1024, lineBytes: 1 << 20 };

/** Nesting over this many levels (top array = 1) is refused with body.too_deep. */
export const MAX_DEPTH = 8;

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const BOM = "\ufeff";

/** Deepest container nesting of a parsed JSON value, without recursion (bodies nest 10,000 deep). */
function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d > max) max = d;
    if (max > MAX_DEPTH) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** Deepest run of open [ and { in a JSON text (valid or not), strings skipped. */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** The verdict on a decoded top-level value (shared by JSON and MessagePack). */
function verdictOf(top: "array" | "map" | "other", length: number, depth: number, limits: Limits): Expect {
  if (top === "other") return { refuse: true, codes: ["body.malformed"] };
  const codes: string[] = [];
  if (top === "array" && length > limits.maxTicks) codes.push("body.too_many_ticks");
  if (depth > MAX_DEPTH) codes.push("body.too_deep");
  if (codes.length) return { refuse: true, codes };
  const ticks = top === "array" ? length : 1;
  // An empty array is zero ticks: 200 with nothing counted, or refused as empty; both are fair.
  return ticks === 0 ? { ticks, codes: ["body.empty"] } : { ticks };
}

export function expectJson(bytes: Uint8Array, limits: Limits): Expect {
  if (bytes.length === 0) return { refuse: true, codes: ["body.empty"] };
  if (bytes.length > limits.bodyBytes) return { refuse: true, codes: ["body.too_large"], mayReset: true };
  let text: string;
  try {
    text = fatalUtf8.decode(bytes);
  } catch {
    return { refuse: true, codes: ["body.malformed"] };
  }
  // RFC 8259 §8.1: a parser MAY ignore a BOM; the contract does not say, so both answers pass.
  if (text.startsWith(BOM)) {
    const rest = expectJsonText(text.slice(1), limits);
    return rest.refuse ? rest : { ...rest, codes: [...(rest.codes ?? []), "body.malformed"] };
  }
  return expectJsonText(text, limits);
}

/** A JSON text (a text frame, or a body once decoded from UTF-8). */
export function expectJsonText(text: string, limits: Limits): Expect {
  if (text.length === 0) return { refuse: true, codes: ["body.empty"] };
  if (/^[ \t\r\n]*$/.test(text)) return { refuse: true, codes: ["body.empty", "body.malformed"] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The contract does not order its checks: broken JSON that already nests too deep may be named either way.
    return { refuse: true, codes: bracketDepth(text) > MAX_DEPTH ? ["body.malformed", "body.too_deep"] : ["body.malformed"] };
  }
  const top = Array.isArray(value) ? "array" : value !== null && typeof value === "object" ? "map" : "other";
  return verdictOf(top, Array.isArray(value) ? value.length : 1, depthOf(value), limits);
}

/** What a strict MessagePack framing walk found. */
export interface MsgpackShape {
  ok: boolean;
  reason?: string;
  top?: "array" | "map" | "other";
  length: number;
  depth: number;
  /** an ext type: msgpackr gives some of them meanings (and framing) of its own */
  ext: boolean;
  /** a map key that is not a string (tick fields are named by strings: a decoder may refuse it) */
  oddKey: boolean;
  /** a map key that is an array or a map: its nesting may or may not count */
  containerKey: boolean;
}

/** Header bytes with a length field of this width (bin, ext, str, array, map 8/16/32). */
const WIDTHS: Record<number, 1 | 2 | 4> = { 0xc4: 1, 0xc5: 2, 0xc6: 4, 0xc7: 1, 0xc8: 2, 0xc9: 4, 0xd9: 1, 0xda: 2, 0xdb: 4, 0xdc: 2, 0xdd: 4, 0xde: 2, 0xdf: 4 };
/** Header bytes followed by a fixed payload of this many bytes (floats, ints, fixext with its type byte). */
const FIXED: Record<number, number> = { 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17 };

/** Walks one MessagePack value that must fill `bytes` exactly; iterative, so nesting depth costs no stack. */
export function walkMsgpack(b: Uint8Array): MsgpackShape {
  const shape: MsgpackShape = { ok: false, length: 0, depth: 0, ext: false, oddKey: false, containerKey: false };
  const n = b.length;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // Open containers: items still to read, and whether it is a map (keys at even remaining counts).
  const left: number[] = [];
  const isMap: boolean[] = [];
  let pos = 0;
  const fail = (reason: string) => ((shape.reason = reason), shape);
  const need = (k: number) => pos + k <= n;
  for (let first = true; first || left.length > 0; first = false) {
    if (!need(1)) return fail(`truncated at byte ${pos}`);
    const isKey = left.length > 0 && isMap[isMap.length - 1] && left[left.length - 1] % 2 === 0;
    const t = b[pos++];
    let count = -1; // container items, when t opens one
    let map = false;
    let skip = 0; // payload bytes after the header
    if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) skip = 0;
    else if (t >= 0x80 && t <= 0x8f) (count = (t & 0x0f) * 2), (map = true);
    else if (t >= 0x90 && t <= 0x9f) count = t & 0x0f;
    else if (t >= 0xa0 && t <= 0xbf) skip = t & 0x1f;
    else if (t === 0xc1) return fail(`byte 0xc1 (never used) at ${pos - 1}`);
    else {
      if (FIXED[t] !== undefined) {
        skip = FIXED[t];
        if (t >= 0xd4) shape.ext = true;
      } else {
        const w = WIDTHS[t];
        if (!need(w)) return fail(`truncated header at byte ${pos - 1}`);
        const len = w === 1 ? b[pos] : w === 2 ? dv.getUint16(pos) : dv.getUint32(pos);
        pos += w;
        if (t >= 0xc7 && t <= 0xc9) (shape.ext = true), (skip = len + 1);
        else if (t === 0xdc || t === 0xdd) count = len;
        else if (t === 0xde || t === 0xdf) (count = len * 2), (map = true);
        else skip = len;
      }
    }
    if (isKey && !(t >= 0xa0 && t <= 0xbf) && !(t >= 0xd9 && t <= 0xdb)) shape.oddKey = true;
    if (count >= 0) {
      if (isKey) shape.containerKey = true;
      if (first) (shape.top = map ? "map" : "array"), (shape.length = map ? count / 2 : count);
      const depth = left.length + 1;
      if (depth > shape.depth) shape.depth = depth;
    } else if (first) {
      shape.top = "other";
    }
    if (!need(skip)) return fail(`truncated payload at byte ${pos}`);
    pos += skip;
    // This item is read: count it against its container, then close every container it completed.
    if (left.length > 0) left[left.length - 1]--;
    if (count > 0) left.push(count), isMap.push(map);
    while (left.length > 0 && left[left.length - 1] === 0) left.pop(), isMap.pop();
  }
  if (pos !== n) return fail(`${n - pos} bytes after the value`);
  shape.ok = true;
  return shape;
}

export function expectMsgpack(bytes: Uint8Array, limits: Limits): Expect {
  if (bytes.length === 0) return { refuse: true, codes: ["body.empty"] };
  if (bytes.length > limits.bodyBytes) return { refuse: true, codes: ["body.too_large"], mayReset: true };
  const shape = walkMsgpack(bytes);
  // msgpackr gives ext types meanings (Date, Set, Error, records, structured clones) and some of
  // them read past their own payload: the contract cannot say what such a body means.
  if (shape.ext) return {};
  if (!shape.ok) {
    // Broken, and maybe also too deep or announcing too many ticks before it broke: the contract
    // does not order its checks, so each of those codes is a fair answer.
    const codes = ["body.malformed"];
    if (shape.depth > MAX_DEPTH) codes.push("body.too_deep");
    if (shape.top === "array" && shape.length > limits.maxTicks) codes.push("body.too_many_ticks");
    return { refuse: true, codes };
  }
  const v = verdictOf(shape.top!, shape.length, shape.containerKey ? 0 : shape.depth, limits);
  const also = (...codes: string[]) => (v.codes = [...new Set([...(v.codes ?? []), ...codes])]);
  // A nesting too deep for the decoder's stack may surface as "malformed" rather than "too deep".
  if (shape.depth > 1000 && v.codes?.includes("body.too_deep")) also("body.malformed");
  if (shape.oddKey) also("body.malformed");
  if (shape.containerKey) also("body.too_deep");
  return v;
}

/**
 * NDJSON: one tick per non-blank line (a line that is not JSON is one rejected tick), so a 200 counts
 * exactly the non-blank lines. A line over the line limit must be refused (413 body.line_too_long, or
 * stream.partial once earlier lines were taken), and so must more lines than NDJSON_MAX_TICKS (413).
 */
export function expectNdjson(bytes: Uint8Array, limits: Limits): Expect {
  const decoder = new TextDecoder("utf-8");
  let lines = 0;
  let longest = 0;
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    const len = i - start;
    if (len > longest) longest = len;
    // Blank = only white space (the decoder drops a BOM at the start of the stream).
    if (len > 0 && decoder.decode(bytes.subarray(start, i)).replace(/^\ufeff/, "").trim() !== "") lines++;
    start = i + 1;
  }
  if (lines === 0) return { refuse: true, codes: ["body.empty"] };
  if (lines > limits.ndjsonTicks) return { refuse: true, codes: ["body.too_many_ticks", "stream.partial"] };
  // README: "413 body.line_too_long (an NDJSON line over 1 MiB)": however the line happens to arrive.
  if (longest > limits.lineBytes) return { refuse: true, codes: ["body.line_too_long", "stream.partial"] };
  return { ticks: lines };
}

export type BodyKind = "json" | "msgpack" | "ndjson";

/** The contract's media types (README "API"); matched case-insensitively, parameters aside. */
const CONTRACT_TYPES: Record<string, BodyKind> = {
  "application/json": "json",
  "application/msgpack": "msgpack",
  "application/x-msgpack": "msgpack",
  "application/x-ndjson": "ndjson",
};

export function expectBody(kind: BodyKind, bytes: Uint8Array, limits: Limits): Expect {
  return kind === "json" ? expectJson(bytes, limits) : kind === "msgpack" ? expectMsgpack(bytes, limits) : expectNdjson(bytes, limits);
}

/**
 * The verdict for a POST with this Content-Type (null = none sent). A type outside the contract is
 * 415; a contract type with parameters is the body's verdict. `lenient` marks spellings the contract
 * does not settle (a charset other than UTF-8, a repeated header, an alias): refusing them with 415 is
 * fine too, and taking them as some other kind is not judged.
 */
export function expectFor(contentType: string | null, bytes: Uint8Array, limits: Limits, lenient = false): Expect {
  const mime = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const kind = CONTRACT_TYPES[mime];
  if (!kind) {
    if (lenient) return {};
    // The order of the checks is not in the contract: an empty body may be named first.
    return { refuse: true, codes: bytes.length === 0 ? ["body.unsupported_type", "body.empty"] : ["body.unsupported_type"] };
  }
  const v = expectBody(kind, bytes, limits);
  if (!lenient) return v;
  return { ...v, codes: [...(v.codes ?? []), "body.unsupported_type"] };
}
