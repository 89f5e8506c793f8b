// Bad requests get a clear status and code, and none of their ticks reach Kafka.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { pack } from "msgpackr";
import { tickStream } from "../../bench/lib/tick-gen.ts";
import { topicCount } from "../helpers/kafka.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";

let tg: Running;
let slow: Running;
beforeAll(async () => {
  [tg, slow] = await Promise.all([
    startTickgate({ WORKERS: "2", BODY_LIMIT_BYTES: String(1 << 20), MAX_TICKS_PER_REQUEST: "100000" }),
    startTickgate({ WORKERS: "1", KAFKA_ACK_TIMEOUT_MS: "1500" }),
  ]);
});
afterAll(async () => {
  expect(await Promise.all([tg.stop(), slow.stop()])).toEqual([0, 0]);
});

const gen = tickStream({ seed: 7, symbols: 4 });
const goodJson = () => JSON.stringify(gen.batch(3).map((s) => s.tick));

async function send(body: Bun.BodyInit | null, headers: Record<string, string>, base = tg) {
  const res = await fetch(`${base.url}/v1/ticks`, { method: "POST", body, headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const cases: [string, () => Bun.BodyInit | null, Record<string, string>, number, string][] = [
  ["truncated JSON", () => goodJson().slice(0, -7), { "content-type": "application/json" }, 400, "body.malformed"],
  ["JSON with a trailing comma", () => '[{"type":"trade"},]', { "content-type": "application/json" }, 400, "body.malformed"],
  ["invalid UTF-8 in JSON", () => new Uint8Array([0x5b, 0xff, 0xfe, 0x5d]), { "content-type": "application/json" }, 400, "body.malformed"],
  ["a JSON scalar", () => "42", { "content-type": "application/json" }, 400, "body.malformed"],
  ["invalid MessagePack", () => new Uint8Array([0xc1, 0x00, 0x01]), { "content-type": "application/msgpack" }, 400, "body.malformed"],
  ["truncated MessagePack", () => pack(gen.batch(3).map((s) => s.tick)).subarray(0, 40), { "content-type": "application/msgpack" }, 400, "body.malformed"],
  ["MessagePack with trailing bytes", () => new Uint8Array([...pack({ a: 1 }), 0x01, 0x02]), { "content-type": "application/msgpack" }, 400, "body.malformed"],
  ["wrong content type", () => goodJson(), { "content-type": "text/plain" }, 415, "body.unsupported_type"],
  ["missing content type", () => new Blob([goodJson()]), {}, 415, "body.unsupported_type"],
  ["empty JSON body", () => "", { "content-type": "application/json" }, 400, "body.empty"],
  ["empty MessagePack body", () => new Uint8Array(0), { "content-type": "application/msgpack" }, 400, "body.empty"],
  ["empty NDJSON body", () => "\n\n", { "content-type": "application/x-ndjson" }, 400, "body.empty"],
  ["a body over the limit", () => "[" + " ".repeat((1 << 20) + 10) + "]", { "content-type": "application/json" }, 413, "body.too_large"],
  ["an array of 100k real ticks (over the byte limit)", () => JSON.stringify(gen.batch(100_000).map((s) => s.tick)), { "content-type": "application/json" }, 413, "body.too_large"],
  ["an array of 100,001 ticks (over the count limit)", () => "[" + new Array(100_001).fill("{}").join(",") + "]", { "content-type": "application/json" }, 413, "body.too_many_ticks"],
  ["deeply nested JSON", () => "[".repeat(50_000) + "]".repeat(50_000), { "content-type": "application/json" }, 400, "body.too_deep"],
  ["a tick with a nested field 20 deep", () => JSON.stringify([{ type: "trade", price: JSON.parse("[".repeat(20) + "]".repeat(20)) }]), { "content-type": "application/json" }, 400, "body.too_deep"],
];

describe("malformed requests", () => {
  let before = 0;
  beforeAll(async () => {
    before = (await topicCount(`${tg.prefix}.valid`)) + (await topicCount(`${tg.prefix}.rejected`));
  });

  for (const [name, body, headers, status, code] of cases) {
    test(`${name} → ${status} ${code}`, async () => {
      const res = await send(body(), headers);
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(typeof res.body.error).toBe("string");
    });
  }

  test("a malformed JSON body says where it broke", async () => {
    const res = await send('[{"type":"trade",\n "price": 1,, "size": 2}]', { "content-type": "application/json" });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "body.malformed", line: 2, column: 13, position: 30 });
  });

  test("none of those requests put anything in Kafka", async () => {
    const after = (await topicCount(`${tg.prefix}.valid`)) + (await topicCount(`${tg.prefix}.rejected`));
    expect(after).toBe(before);
  });

  test("an ?ack= that is no acknowledgement level is refused (400 ack.unsupported), on POST and on the WebSocket upgrade", async () => {
    for (const q of ["ack=everything", "ack=STORED", "ack="]) {
      const res = await fetch(`${tg.url}/v1/ticks?${q}`, { method: "POST", body: goodJson(), headers: { "content-type": "application/json" } });
      expect(res.status).toBe(400);
      const body = (await res.json()) as any;
      expect(body.code).toBe("ack.unsupported");
      expect(body.supported).toEqual(["kafka", "stored"]);
      const up = await fetch(`${tg.url}/v1/stream?${q}`, { headers: { upgrade: "websocket", connection: "upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } });
      expect(up.status).toBe(400);
    }
    const ok = await fetch(`${tg.url}/v1/ticks?ack=kafka`, { method: "POST", body: goodJson(), headers: { "content-type": "application/json" } });
    expect(ok.status).toBe(200);
  });

  test("an unknown route is a JSON 404", async () => {
    const res = await fetch(`${tg.url}/v1/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).code).toBe("route.not_found");
  });
});

describe("WebSocket frames with errors keep the connection usable", () => {
  test("bad frames get an error result with their frame number; good frames after them work", async () => {
    const ws = new WebSocket(tg.ws);
    const answers: any[] = [];
    // A JSON *string* holding ticks is not ticks (it must not be parsed twice); nor is a number.
    const frames: (string | Uint8Array)[] = ["{not json", goodJson(), new Uint8Array([0xc1]), "17", goodJson(), JSON.stringify(goodJson()), '""', " " + goodJson()];
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => frames.forEach((f) => ws.send(f));
      ws.onmessage = (e) => {
        answers.push(JSON.parse(String(e.data)));
        if (answers.length === frames.length) resolve();
      };
      ws.onerror = reject;
    });
    ws.close();
    expect(answers.map((a) => a.frame)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(answers[5]).toMatchObject({ code: "body.malformed", status: 400 });
    expect(answers[6]).toMatchObject({ code: "body.malformed", status: 400 });
    expect(answers[7]).toMatchObject({ accepted: 3, rejected: 0 });
    expect(answers[0]).toMatchObject({ code: "body.malformed", status: 400 });
    expect(answers[1]).toMatchObject({ accepted: 3, rejected: 0 });
    expect(answers[2]).toMatchObject({ code: "body.malformed", status: 400 });
    expect(answers[3]).toMatchObject({ code: "body.malformed", status: 400 });
    expect(answers[4]).toMatchObject({ accepted: 3, rejected: 0 });
  });
});

describe("NDJSON lines that are not JSON", () => {
  test("are rejected one by one as schema.unreadable; the other lines get in", async () => {
    const good = gen.batch(3).map((s) => JSON.stringify(s.tick));
    const body = [good[0], "{oops", "", good[1], "[1,", good[2]].join("\n");
    const res = await send(body, { "content-type": "application/x-ndjson" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 3, rejected: 2 });
    expect(res.body.rejects).toEqual([
      { index: 1, codes: ["schema.unreadable"] },
      { index: 3, codes: ["schema.unreadable"] },
    ]);
  });
});

describe("NDJSON streams that fail or stall", () => {
  const slowStream = (parts: (string | number)[]) =>
    new ReadableStream<Uint8Array>({
      async start(c) {
        for (const part of parts) {
          if (typeof part === "number") await Bun.sleep(part);
          else c.enqueue(new TextEncoder().encode(part));
        }
        c.close();
      },
    });

  test("a stream slower than the ack bound is not a Kafka timeout (and does not take the process down)", async () => {
    const ticks = gen.batch(2).map((s) => JSON.stringify(s.tick) + "\n");
    // This server's ack bound is 1.5 s; the upload takes longer than that between its lines.
    const res = await fetch(`${slow.url}/v1/ticks`, { method: "POST", body: slowStream([ticks[0], 2500, ticks[1]]), headers: { "content-type": "application/x-ndjson" } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).accepted).toBe(2);
    expect((await fetch(`${slow.url}/healthz`)).status).toBe(200);
  });

  test("a stream that fails after ticks were taken says how many, and what became of them", async () => {
    const lines = gen.batch(600).map((s) => JSON.stringify(s.tick) + "\n").join("");
    const huge = '{"type":"trade","pad":"' + "x".repeat((1 << 20) + 100);
    const res = await send(slowStream([lines, 50, huge]), { "content-type": "application/x-ndjson" });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe("stream.partial");
    expect(res.body.cause).toBe("body.line_too_long");
    expect(res.body.taken).toBeGreaterThanOrEqual(512);
    expect(res.body.result.accepted + res.body.result.rejected).toBe(res.body.taken);
  });
});
