// The fuzz corpus: one literal table of body kinds with weights, and caseAt(seed, index), which
// rebuilds case `index` from its own PRNG stream alone. A few heavy kinds are not drawn by weight but
// placed at fixed index strides, so a run of N bodies holds a known, bounded number of them.
import { utf8 } from "./bytes.ts";
import type { Expect, FuzzCase, HttpCase, WsCase, WsFrame } from "./case.ts";
import * as J from "./json-gen.ts";
import * as M from "./msgpack-gen.ts";
import * as N from "./ndjson-gen.ts";
import { RAW_CASES } from "./raw-gen.ts";
import { caseSeed, Rand } from "./rand.ts";
import { expectFor, expectJsonText, expectMsgpack, type BodyKind, type Limits } from "./reference.ts";
import { caseExchange, goodTicks, type Tick } from "./ticks.ts";

export interface GenContext {
  seed: number;
  limits: Limits;
}

/** What a kind's maker gets: the case's PRNG, good ticks of the case's own exchange, the limits. */
interface Env {
  r: Rand;
  ctx: GenContext;
  index: number;
  ticks: (count: number, badShare?: number) => { ticks: Tick[]; bad: Record<number, string> };
}

type Maker = (e: Env) => Omit<HttpCase, "transport"> & { note: string } | (Omit<WsCase, "transport"> & { note: string; ws: true });

const CONTENT_TYPES: Record<BodyKind, string[]> = {
  json: ["application/json", "application/json", "application/json", "application/json; charset=utf-8"],
  msgpack: ["application/msgpack", "application/msgpack", "application/x-msgpack"],
  ndjson: ["application/x-ndjson"],
};

/** A POST of `body` as `kind`, judged by the reference model; `extra` adds what the generator knows. */
function post(e: Env, kind: BodyKind, made: J.Made, extra: Expect = {}): Omit<HttpCase, "transport"> & { note: string } {
  const type = e.r.pick(CONTENT_TYPES[kind]);
  const path = e.r.chance(0.05) ? e.r.pick(["/v1/ticks?ack=kafka", "/v1/ticks?ack=bogus", "/v1/ticks?x=1&x=2", "/v1/ticks?"]) : "/v1/ticks";
  // Streamed (chunked transfer encoding) in odd chunk sizes: NDJSON often, whole bodies now and then.
  const chunks = e.r.chance(kind === "ndjson" ? 0.3 : 0.05) && made.body.length > 0 ? N.chunking(e.r, made.body.length) : undefined;
  // An acknowledgement level other than ack=kafka is refused before the body is looked at.
  const expect: Expect = path.includes("ack=bogus") ? { refuse: true, codes: ["ack.unsupported"] } : { ...expectFor(type, made.body, e.ctx.limits), ...extra };
  return { path, headers: [["content-type", type]], body: made.body, chunks, expect, note: made.note + (chunks ? ` (streamed in ${chunks.length} chunks)` : "") };
}

/** Ticks in a good batch: mostly a few, sometimes hundreds, rarely thousands (the rings and Kafka batches). */
const count = (r: Rand) => (r.chance(0.005) ? r.range(2000, 20_000) : r.chance(0.1) ? r.range(50, 500) : r.range(1, 8));

/** A good batch: every tick counted, the deliberately bad ones rejected with their code. */
function good(e: Env, kind: BodyKind): ReturnType<Maker> {
  const { ticks, bad } = e.ticks(count(e.r), e.r.chance(0.3) ? 0.2 : 0);
  const single = ticks.length === 1 && kind !== "ndjson" && e.r.chance(0.5);
  const body =
    kind === "json" ? utf8(JSON.stringify(single ? ticks[0] : ticks)) :
    kind === "msgpack" ? M.packTicks(single ? ticks[0] : ticks) :
    utf8(ticks.map((t) => JSON.stringify(t)).join(e.r.pick(["\n", "\r\n"])) + (e.r.chance(0.7) ? "\n" : ""));
  return post(e, kind, { body, note: `${ticks.length} good ticks${Object.keys(bad).length ? `, ${Object.keys(bad).length} of them bad` : ""}` }, { bad, good: true });
}

/** Odd Content-Type values: [header values (a repeat is a second header), lenient]. */
const ODD_TYPES: [string[], boolean][] = [
  [[], false], [[""], false], [["text/plain"], false], [["text/plain; charset=utf-8"], false], [["multipart/form-data; boundary=----fz"], false],
  [["application/x-www-form-urlencoded"], false], [["application/octet-stream"], false], [["*/*"], false], [["application/*"], false],
  [["application/jsonx"], false], [["json"], false], [["application/ json"], false],
  [["application/JSON; charset=latin1"], true], [["application/json;charset=utf-8"], false], [["Application/Json"], false], [["APPLICATION/MSGPACK"], false],
  [["application/json ; foo=bar"], false], [['application/json; charset="utf-8"'], false], [["application/x-ndjson; charset=utf-8"], false],
  [["application/msgpack; q=0.5"], false], [["application/json; charset=utf-16"], true],
  [["text/json"], true], [["application/vnd.msgpack"], true], [["application/ndjson"], true], [["application/jsonl"], true], [["application/vnd.api+json"], true],
  [["application/json", "application/json"], true], [["application/json", "application/msgpack"], true], [["text/plain", "application/json"], true],
];

function oddType(e: Env): ReturnType<Maker> {
  const [values, lenient] = e.r.pick(ODD_TYPES);
  const { ticks } = e.ticks(e.r.range(1, 4));
  const kind = e.r.pick(["json", "msgpack", "ndjson", "mutated"] as const);
  const body =
    kind === "json" ? utf8(JSON.stringify(ticks)) :
    kind === "msgpack" ? M.packTicks(ticks) :
    kind === "ndjson" ? utf8(ticks.map((t) => JSON.stringify(t)).join("\n")) :
    J.jsonBytes(e.r, ticks).body;
  // Several header values are joined by fetch as one "a, b" value: judge what the server receives.
  const joined = values.length ? values.join(", ") : null;
  return {
    path: "/v1/ticks",
    headers: values.map((v) => ["content-type", v] as [string, string]),
    body,
    expect: expectFor(joined, body, e.ctx.limits, lenient),
    note: `${JSON.stringify(values)} with a ${kind} body`,
  };
}

function empty(e: Env): ReturnType<Maker> {
  const type = e.r.pick([null, "application/json", "application/msgpack", "application/x-ndjson", "text/plain"]);
  const body = utf8(e.r.pick(["", "", " ", "\n\n", "\r\n", "\t"]));
  return { path: "/v1/ticks", headers: type ? [["content-type", type]] : [], body, expect: expectFor(type, body, e.ctx.limits), note: `${JSON.stringify(body.length ? new TextDecoder().decode(body) : "")} as ${type ?? "(no type)"}` };
}

const FRAME_LIMIT = 1 << 20;
const textOf = new TextDecoder("utf-8", { ignoreBOM: true });

/** One WebSocket frame from the same generators: text = JSON (as the server will receive it), binary = MessagePack. */
function frame(e: Env): WsFrame & { note: string } {
  const { ticks, bad } = e.ticks(count(e.r) % 50 || 1, e.r.chance(0.3) ? 0.2 : 0);
  const roll = e.r.int(14);
  if (roll <= 3) {
    if (roll <= 1) return { data: JSON.stringify(ticks), expect: { ticks: ticks.length, bad, good: true }, note: `${ticks.length} good ticks (text)` };
    return { data: M.packTicks(ticks), expect: { ticks: ticks.length, bad, good: true }, note: `${ticks.length} good ticks (binary)` };
  }
  if (roll <= 9) {
    const gens = [J.jsonBytes, J.jsonTruncated, J.jsonValues, J.jsonDuplicateKeys, J.jsonDeep, J.jsonEncoding, J.jsonWrapped];
    const made = roll === 9 ? J.jsonLongString(e.r, ticks, FRAME_LIMIT) : e.r.pick(gens)(e.r, ticks);
    // A JS string goes out as UTF-8 (a lone surrogate becomes U+FFFD): judge the text that arrives.
    const text = textOf.decode(utf8(textOf.decode(made.body.subarray(0, FRAME_LIMIT))));
    if (e.r.chance(0.1)) return { data: made.body.subarray(0, FRAME_LIMIT), expect: expectMsgpack(made.body.subarray(0, FRAME_LIMIT), e.ctx.limits), note: `${made.note} (JSON bytes as a binary frame)` };
    return { data: text, expect: expectJsonText(text, e.ctx.limits), note: `${made.note} (text)` };
  }
  if (roll === 10) {
    const text = e.r.pick([JSON.stringify(JSON.stringify(ticks)), '""', '"x"', "", " ", "123", "null", "true", "1e309"]);
    return { data: text, expect: expectJsonText(text, e.ctx.limits), note: `text frame ${text.length > 30 ? "holding a JSON string of the ticks" : JSON.stringify(text)}` };
  }
  const gens = [M.msgpackBytes, M.msgpackTruncated, M.msgpackExt, M.msgpackC1, M.msgpackNesting, M.msgpackValues, (r: Rand) => M.msgpackRandom(r)];
  const made = e.r.pick(gens)(e.r, ticks);
  const body = made.body.subarray(0, FRAME_LIMIT);
  return { data: body, expect: expectMsgpack(body, e.ctx.limits), note: `${made.note} (binary)` };
}

function ws(e: Env): ReturnType<Maker> {
  const frames = Array.from({ length: e.r.range(1, 6) }, () => frame(e));
  return { frames: frames.map(({ data, expect }) => ({ data, expect })), note: frames.map((f, i) => `${i + 1}: ${f.note}`).join(" | "), ws: true };
}

const json = (make: (r: Rand, t: Tick[]) => J.Made, n = 3): Maker => (e) => post(e, "json", make(e.r, e.ticks(e.r.range(1, n)).ticks));
const msgpack = (make: (r: Rand, t: Tick[]) => J.Made, n = 3): Maker => (e) => post(e, "msgpack", make(e.r, e.ticks(e.r.range(1, n)).ticks));

/** Every kind drawn by weight (weights are relative; the sum need not be 100). */
export const KINDS: { name: string; weight: number; make: Maker }[] = [
  { name: "good.json", weight: 9, make: (e) => good(e, "json") },
  { name: "good.msgpack", weight: 6, make: (e) => good(e, "msgpack") },
  { name: "good.ndjson", weight: 4, make: (e) => good(e, "ndjson") },
  { name: "json.bytes", weight: 12, make: json(J.jsonBytes) },
  { name: "json.truncated", weight: 5, make: json(J.jsonTruncated) },
  { name: "json.values", weight: 8, make: json(J.jsonValues) },
  { name: "json.duplicate_keys", weight: 3, make: json(J.jsonDuplicateKeys) },
  { name: "json.long_string", weight: 1.5, make: (e) => post(e, "json", J.jsonLongString(e.r, e.ticks(1).ticks, e.ctx.limits.bodyBytes)) },
  { name: "json.deep", weight: 2, make: json(J.jsonDeep) },
  { name: "json.encoding", weight: 5, make: json(J.jsonEncoding) },
  { name: "json.not_ticks", weight: 3, make: json(J.jsonWrapped) },
  { name: "json.many_ticks", weight: 0.03, make: (e) => post(e, "json", J.jsonManyTicks(e.r, e.ctx.limits.maxTicks)) },
  { name: "json.too_large", weight: 0.02, make: (e) => post(e, "json", J.jsonTooLarge(e.r, e.ticks(1).ticks, e.ctx.limits.bodyBytes)) },
  { name: "msgpack.random", weight: 4, make: (e) => post(e, "msgpack", M.msgpackRandom(e.r)) },
  { name: "msgpack.bytes", weight: 7, make: msgpack(M.msgpackBytes) },
  { name: "msgpack.truncated", weight: 4, make: msgpack(M.msgpackTruncated) },
  { name: "msgpack.huge_header", weight: 3, make: (e) => post(e, "msgpack", M.msgpackHugeHeader(e.r, e.ticks(1).ticks, e.ctx.limits.maxTicks)) },
  { name: "msgpack.ext", weight: 3, make: msgpack(M.msgpackExt) },
  { name: "msgpack.c1", weight: 1, make: msgpack(M.msgpackC1) },
  { name: "msgpack.nesting", weight: 2, make: msgpack(M.msgpackNesting) },
  { name: "msgpack.values", weight: 4, make: msgpack(M.msgpackValues) },
  { name: "ndjson.mixed", weight: 6, make: (e) => { const { ticks } = e.ticks(e.r.chance(0.05) ? e.r.range(500, 5000) : e.r.range(1, 60), 0.1); return post(e, "ndjson", N.ndjsonMixed(e.r, ticks, e.r.pick([0, 0.1, 0.5, 1]))); } },
  { name: "ndjson.long_line", weight: 0.1, make: (e) => post(e, "ndjson", N.ndjsonLongLine(e.r, e.ticks(3).ticks, e.ctx.limits.lineBytes)) },
  { name: "content_type", weight: 4, make: oddType },
  { name: "empty", weight: 2, make: empty },
  { name: "ws", weight: 8, make: ws },
];

const TOTAL = KINDS.reduce((n, k) => n + k.weight, 0);

// Kinds placed by stride instead of weight: raw sockets (~67 per 100,000, each kind in turn) and
// NDJSON bodies past the tick limit (heavy: 100,000+ ticks each; index 2,500 and every 25,013th after).
const RAW_EVERY = 1499;
const RAW_OFFSET = 700;
const MANY_LINES_EVERY = 25_013;
const MANY_LINES_OFFSET = 2500;

/** Case `index` is a raw TCP case (they run on a socket pool of their own). */
export const isRawIndex = (index: number) => index % RAW_EVERY === RAW_OFFSET;

export function caseAt(ctx: GenContext, index: number): FuzzCase {
  const r = new Rand(caseSeed(ctx.seed, index));
  // Each batch of a case (each frame of a WebSocket case) on an exchange of its own: two batches on
  // one feed would restart its sequence numbers and trade ids, and the stateful checks would (rightly) object.
  const exchange = caseExchange(ctx.seed, index);
  let batches = 0;
  const e: Env = { r, ctx, index, ticks: (n, badShare = 0) => goodTicks(r, batches++ ? `${exchange}.${batches}` : exchange, n, badShare) };
  if (isRawIndex(index)) {
    const [name, make] = RAW_CASES[Math.floor(index / RAW_EVERY) % RAW_CASES.length];
    return { index, kind: "raw", note: name, transport: "raw", ...make(e.ticks(3).ticks) };
  }
  if (index % MANY_LINES_EVERY === MANY_LINES_OFFSET) {
    return { index, kind: "ndjson.many_lines", transport: "http", ...post(e, "ndjson", N.ndjsonManyLines(r, ctx.limits.ndjsonTicks)) };
  }
  let roll = r.next() * TOTAL;
  const kind = KINDS.find((k) => (roll -= k.weight) < 0) ?? KINDS[KINDS.length - 1];
  const made = kind.make(e);
  if ("ws" in made) return { index, kind: kind.name, note: made.note, transport: "ws", frames: made.frames };
  return { index, kind: kind.name, transport: "http", ...made };
}
