// The client half of scripts/container-test.sh. Sends generated ticks (5 % bad, each with the code it
// must be rejected with) to a running tickgate by every way in: POST JSON, MessagePack and NDJSON,
// WebSocket text and binary frames. It checks every answer, then prints on its last line what tickgate
// said it took, as JSON: {sent, accepted, rejected, flagged, goodRejected, exchanges}. The script
// counts the same ticks in Kafka, Redis and PostgreSQL inside their containers.
//
//   bun test/container/post-ticks.ts BASE_URL API_KEY RUN_ID TICKS
import { pack } from "msgpackr";
import { tickStream } from "../../bench/lib/tick-gen.ts";
import type { TickResult } from "../../src/ingest/pending-requests.ts";

const [base, key, run, count] = process.argv.slice(2);
if (!base || !key || !/^[a-z0-9]{1,16}$/.test(run ?? "") || !(Number(count) >= 500)) {
  console.error("usage: post-ticks.ts BASE_URL API_KEY RUN_ID(a-z0-9, ≤16) TICKS(≥500)");
  process.exit(2);
}
const exchanges = ["binance", "coinbase", "kraken", "okx"].map((e) => `${run}-${e}`);
const gen = tickStream({ seed: 13, symbols: 24, badShare: 0.05, exchanges });
const problems: string[] = [];
const totals = { sent: 0, accepted: 0, rejected: 0, flagged: 0, goodRejected: 0 };

type Sent = ReturnType<typeof gen.next>;

/** Adds an answer to the totals; every bad tick must be rejected with its code. */
function account(how: string, batch: Sent[], a: TickResult) {
  if (a.accepted + a.rejected !== batch.length) problems.push(`${how}: ${a.accepted} + ${a.rejected} answered for ${batch.length} ticks`);
  if (a.rejectsTruncated) problems.push(`${how}: rejects truncated; use smaller batches`);
  const rejected = new Map(a.rejects.map((r) => [r.index, r.codes]));
  batch.forEach((s, i) => {
    const codes = rejected.get(i);
    if (s.bad && !codes?.includes(s.bad)) problems.push(`${how}: tick ${i} should be rejected with ${s.bad}, got ${JSON.stringify(codes ?? "accepted")}`);
    if (!s.bad && codes) totals.goodRejected++;
  });
  totals.sent += batch.length;
  totals.accepted += a.accepted;
  totals.rejected += a.rejected;
  totals.flagged += a.flagged;
}

async function post(how: string, contentType: string, body: string | Uint8Array, batch: Sent[], query = "") {
  const res = await fetch(`${base}/v1/ticks${query}`, { method: "POST", headers: { "content-type": contentType, "x-api-key": key! }, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (res.status !== 200) return void problems.push(`${how}: ${res.status} ${text.slice(0, 300)}`);
  account(how, batch, JSON.parse(text));
}

async function overWebSocket(binary: boolean, batches: Sent[][]) {
  const how = `WebSocket ${binary ? "binary" : "text"}`;
  if (batches.length === 0) return;
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/v1/stream`, { headers: { "x-api-key": key! } } as any);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${how}: not open in 30 s`)), 30_000);
    ws.onopen = () => (clearTimeout(timer), resolve());
    ws.onerror = () => (clearTimeout(timer), reject(new Error(`${how}: could not connect`)));
  });
  const answers: any[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${how}: ${answers.length} of ${batches.length} answers in 60 s`)), 60_000);
    ws.onmessage = (m) => {
      answers.push(JSON.parse(String(m.data)));
      if (answers.length === batches.length) (clearTimeout(timer), resolve());
    };
    ws.onclose = (c) => (clearTimeout(timer), reject(new Error(`${how}: closed early, ${c.code} ${c.reason}`)));
    for (const b of batches) ws.send(binary ? pack(b.map((s) => s.tick)) : JSON.stringify(b.map((s) => s.tick)));
  });
  ws.onclose = null;
  ws.close();
  answers.forEach((a, i) => (a.frame === i + 1 && a.status === undefined ? account(`${how} frame ${i + 1}`, batches[i]!, a) : problems.push(`${how} frame ${i + 1}: ${JSON.stringify(a).slice(0, 300)}`)));
}

/** Refusals take nothing: a missing key, a malformed body, an unknown content type. */
async function refusals() {
  const cases: [string, RequestInit, number][] = [
    ["no API key", { method: "POST", headers: { "content-type": "application/json" }, body: "[]" }, 401],
    ["malformed JSON", { method: "POST", headers: { "content-type": "application/json", "x-api-key": key! }, body: "[{" }, 400],
    ["unknown content type", { method: "POST", headers: { "content-type": "text/csv", "x-api-key": key! }, body: "a,b" }, 415],
  ];
  for (const [what, init, status] of cases) {
    const res = await fetch(`${base}/v1/ticks`, { ...init, signal: AbortSignal.timeout(30_000) });
    if (res.status !== status) problems.push(`${what}: expected ${status}, got ${res.status} ${(await res.text()).slice(0, 200)}`);
  }
}

const total = Number(count);
const part = Math.floor(total / 5);
const batchesOf = (n: number, size: number) => Array.from({ length: Math.ceil(n / size) }, (_, i) => gen.batch(Math.min(size, n - i * size)));

await refusals();
for (const b of batchesOf(part, 200)) await post("POST JSON", "application/json", JSON.stringify(b.map((s) => s.tick)), b);
for (const b of batchesOf(part, 200)) await post("POST MessagePack", "application/msgpack", pack(b.map((s) => s.tick)), b);
for (const b of batchesOf(part, 500)) await post("POST NDJSON", "application/x-ndjson", b.map((s) => JSON.stringify(s.tick)).join("\n") + "\n", b);
await overWebSocket(false, batchesOf(part, 100));
const rest = batchesOf(total - 4 * part, 200);
await overWebSocket(true, rest.slice(0, -1));
// The last request waits until the sink has stored it: Redis and PostgreSQL hold it when it answers.
const last = rest.at(-1)!;
await post("POST JSON ?ack=stored", "application/json", JSON.stringify(last.map((s) => s.tick)), last, "?ack=stored");

if (totals.sent !== total) problems.push(`${totals.sent} of ${total} ticks were answered`);
for (const p of problems.slice(0, 20)) console.error(`post-ticks: ${p}`);
if (problems.length > 20) console.error(`post-ticks: … and ${problems.length - 20} more`);
console.log(JSON.stringify({ ...totals, exchanges }));
process.exit(problems.length ? 1 : 0);
