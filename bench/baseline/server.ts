// The baseline: tickgate's checks behind the old pipeline's produce path (the README's first section),
// so the load tool can measure both side by side. One thread, no workers, no rings: for each POST,
// JSON.parse the body, validate each tick with the same Validator, and produce it with its own
// awaited kafkajs producer.send (one message, JSON value, acks=all) before the next one.
//
// The old producer's linger 5 ms / batch 16 KB / lz4 are JVM client settings; kafkajs has no linger
// (each send() is one produce request) and no built-in lz4, so this baseline sends uncompressed
// single-message requests — the "one Kafka send per tick" shape that measured 1.5–3 ms per message.
// Concurrent requests interleave their sends (kafkajs pipelines them on one connection); with
// BASELINE_SERIAL=1 one send at a time for the whole process, like a single producer loop.
//   PORT=8090 TOPIC_PREFIX=base bun bench/baseline/server.ts
import { unpack } from "msgpackr";
import { Validator, loadChecksConfig } from "../../src/checks/index.ts";
import { loadConfig, topics } from "../../src/config.ts";
import { createKafka } from "../../src/kafka/client.ts";
import { ensureTopics } from "../../src/kafka/topics.ts";

const config = loadConfig();
const t = topics(config);
const kafka = createKafka(config, "-baseline");
await ensureTopics(kafka, [t.valid, t.rejected], config.KAFKA_PARTITIONS);
const producer = kafka.producer({ allowAutoTopicCreation: false });
await producer.connect();
const validator = new Validator(loadChecksConfig({}));

const SERIAL = process.env.BASELINE_SERIAL === "1";
let chain: Promise<unknown> = Promise.resolve();
/** One awaited send; behind every earlier one when BASELINE_SERIAL=1. */
function send(topic: string, key: string, value: string): Promise<unknown> {
  const go = () => producer.send({ topic, messages: [{ key, value }], acks: -1 });
  if (!SERIAL) return go();
  const p = chain.then(go);
  chain = p.catch(() => {});
  return p;
}

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

async function ingest(ticks: unknown[]) {
  const recvTs = nowUs();
  let accepted = 0;
  let flagged = 0;
  const rejects: { index: number; codes: string[] }[] = [];
  for (let i = 0; i < ticks.length; i++) {
    const r = validator.validate(ticks[i], recvTs);
    const key = r.tick ? `${r.tick.exchange}:${r.tick.symbol}` : "";
    if (r.ok) {
      accepted++;
      if (r.flags.length) flagged++;
      const value = JSON.stringify({ ...r.tick, recvTs, flags: r.flags, v: 1 });
      await send(t.valid, key, value);
    } else {
      const codes = r.rejects.slice();
      rejects.push({ index: i, codes });
      await send(t.rejected, key, JSON.stringify({ tick: ticks[i], codes, flags: r.flags, recvTs, v: 1 }));
    }
  }
  return { accepted, rejected: rejects.length, flagged, rejects };
}

let ready = true;
const server = Bun.serve({
  port: config.PORT,
  hostname: config.HOST,
  idleTimeout: 120,
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/healthz") return json(200, { ok: true });
    if (path === "/readyz") return json(ready ? 200 : 503, { ready });
    if (path !== "/v1/ticks" || req.method !== "POST") return json(404, { error: "not found", code: "route.unknown" });
    let body: unknown;
    try {
      const type = req.headers.get("content-type") ?? "";
      body = /msgpack/.test(type) ? unpack(new Uint8Array(await req.arrayBuffer())) : JSON.parse(await req.text());
    } catch (err) {
      return json(400, { error: String((err as Error).message), code: "body.malformed" });
    }
    try {
      return json(200, await ingest(Array.isArray(body) ? body : [body]));
    } catch (err) {
      return json(503, { error: `Kafka did not acknowledge: ${(err as Error).message}`, code: "kafka.unavailable" });
    }
  },
});
console.error(JSON.stringify({ level: "info", msg: "baseline listening", port: server.port, prefix: config.TOPIC_PREFIX }));

const stop = async () => {
  ready = false;
  await server.stop(false);
  await producer.disconnect();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
