// Requests that used to wedge or bloat tickgate, on the real stack: each gets a clear answer in
// bounded time and memory, and right after it tickgate takes good ticks again with /readyz truthful.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { pack } from "msgpackr";
import { tickStream } from "../../bench/lib/tick-gen.ts";
import { consumeAll } from "../helpers/kafka.ts";
import { startTickgate, type Running } from "../helpers/tickgate.ts";

let tg: Running;
beforeAll(async () => {
  tg = await startTickgate({
    WORKERS: "2", BODY_TIMEOUT_MS: "1500", NDJSON_MAX_TICKS: "200000", MAX_REJECTS_LISTED: "10000",
    WS_MAX_INFLIGHT_FRAMES: "8", WS_MAX_BUFFERED_BYTES: "65536",
  });
});
afterAll(async () => {
  const code = await tg.stop();
  if (code !== 0) console.error(tg.output().slice(-5000));
  expect(code).toBe(0);
});

const gen = tickStream({ seed: 23, symbols: 4 });
const port = () => Number(new URL(tg.url).port);
const rssMb = async () => Number(/VmRSS:\s+(\d+)/.exec(await Bun.file(`/proc/${tg.proc.pid}/status`).text())![1]) / 1024;

async function post(body: string | Uint8Array, type = "application/json") {
  const res = await fetch(`${tg.url}/v1/ticks`, { method: "POST", body, headers: { "content-type": type } });
  return { status: res.status, body: (await res.json()) as any };
}

/** Good ticks are taken and /readyz says ready: the check after every hostile request. */
async function stillServing() {
  const ticks = gen.batch(50).map((s) => s.tick);
  const r = await post(JSON.stringify(ticks));
  expect(r.status).toBe(200);
  expect(r.body.accepted).toBe(50);
  const ready = await fetch(`${tg.url}/readyz`);
  expect(ready.status).toBe(200);
  const body = (await ready.json()) as any;
  expect(body.checks.workers.workers.map((w: any) => w.kafka)).toEqual(["up", "up"]);
}

let rssBefore = 0;
beforeAll(async () => {
  rssBefore = await rssMb();
});

describe("hostile requests", () => {
  test("a tick that fails a check and carries a 3 MB unknown field: rejected tick.too_large, kept as a digest", async () => {
    const poison = { ...gen.batch(1)[0]!.tick, price: -1, junk: "x".repeat(3_000_000) };
    const r = await post(JSON.stringify([poison]));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ accepted: 0, rejected: 1, rejects: [{ index: 0, codes: ["tick.too_large"] }] });
    await stillServing();
    const rejected = await consumeAll(`${tg.prefix}.rejected`);
    const record = rejected.find((x) => x.value.codes.includes("tick.too_large"))!;
    expect(record.value.original).toMatchObject({ truncated: true });
    expect(record.value.original.bytes).toBeGreaterThan(3_000_000);
  });

  test("a MessagePack body announcing 4M elements is a 413 before it is decoded", async () => {
    const body = new Uint8Array(5 + 4_000_000).fill(0x80); // 4M empty maps...
    body.set([0xdd, 0x00, 0x3d, 0x09, 0x00]); // ...behind an array32 header of 4,000,000
    const r = await post(body, "application/msgpack");
    expect(r.status).toBe(413);
    expect(r.body.code).toBe("body.too_many_ticks");
    await stillServing();
  });

  test("a 3M-line NDJSON body of garbage: cut at NDJSON_MAX_TICKS, the answer's reject list bounded", async () => {
    const r = await post("x\n".repeat(3_000_000), "application/x-ndjson");
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ code: "stream.partial", cause: "body.too_many_ticks", taken: 200_000 });
    const result = r.body.result;
    expect(result).toMatchObject({ accepted: 0, rejected: 200_000, rejectsTruncated: true, rejectsByCode: { "schema.unreadable": 200_000 } });
    expect(result.rejects.length).toBe(10_000);
    expect(result.rejects[0]).toEqual({ index: 0, codes: ["schema.unreadable"] });
    expect(result.rejects.at(-1)).toEqual({ index: 9_999, codes: ["schema.unreadable"] });
    await stillServing();
  }, 120_000);

  test("a WebSocket client with more frames in flight than allowed is closed 1008 with the reason", async () => {
    const ws = new WebSocket(tg.ws);
    await new Promise<void>((resolve, reject) => ((ws.onopen = () => resolve()), (ws.onerror = reject)));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => (ws.onclose = (e) => resolve({ code: e.code, reason: e.reason })));
    const frame = JSON.stringify(gen.batch(5).map((s) => s.tick));
    for (let i = 0; i < 40; i++) ws.send(frame);
    const c = await closed;
    expect(c.code).toBe(1008);
    expect(c.reason).toContain("frames in flight");
    await stillServing();
  });

  test("a WebSocket client that never reads its answers is closed 1008 once they pile up", async () => {
    const sock = await rawWebSocket(port());
    sock.pause(); // stop reading: the answers fill the kernel buffers, then the server's
    const bad = maskedTextFrame("x"); // each answered at once with a ~120-byte error
    let sent = 0;
    const closedAt = new Promise<void>((resolve) => sock.on("close", () => resolve()));
    for (let round = 0; round < 400 && !sock.destroyed; round++) {
      const chunk = Buffer.concat(Array.from({ length: 500 }, () => bad));
      if (!sock.write(chunk)) await new Promise((r) => setTimeout(r, 5));
      sent += 500;
      await new Promise((r) => setTimeout(r, 1));
    }
    const frames: Buffer[] = [];
    sock.on("data", (d: Buffer) => frames.push(d));
    sock.resume();
    await closedAt;
    const close = lastCloseFrame(Buffer.concat(frames));
    expect(close?.code).toBe(1008);
    expect(close?.reason).toContain("not being read");
    expect(sent).toBeGreaterThan(0);
    await stillServing();
  });

  test("200 slow bodies get 408 body.timeout while good ticks keep being taken", async () => {
    const slow = await Promise.all(Array.from({ length: 200 }, () => slowBody(port())));
    await stillServing(); // during: the slow ones hold request slots, not the pipeline
    const answers = await Promise.all(slow.map((s) => s.answer));
    expect(answers.filter((a) => a.startsWith("HTTP/1.1 408")).length).toBe(200);
    expect(answers.every((a) => a.includes('"code":"body.timeout"'))).toBe(true);
    await stillServing();
  });

  test("memory stays bounded through all of the above", async () => {
    Bun.gc(true);
    const after = await rssMb();
    expect(after).toBeLessThan(rssBefore + 600);
  });
});

describe("admission is bounded across requests", () => {
  test("past NDJSON_MAX_STREAMS an NDJSON request gets 503 pipeline.busy; JSON requests still get in", async () => {
    const small = await startTickgate({ WORKERS: "1", BODY_TIMEOUT_MS: "1500", NDJSON_MAX_STREAMS: "2" });
    const port = Number(new URL(small.url).port);
    try {
      const streams = await Promise.all([0, 1].map(() => slowBody(port, "application/x-ndjson", "")));
      await Bun.sleep(100);
      const third = await fetch(`${small.url}/v1/ticks`, { method: "POST", body: gen.batch(2).map((s) => JSON.stringify(s.tick)).join("\n"), headers: { "content-type": "application/x-ndjson" } });
      expect(third.status).toBe(503);
      expect(((await third.json()) as any).reason).toContain("NDJSON_MAX_STREAMS");
      const json = await fetch(`${small.url}/v1/ticks`, { method: "POST", body: JSON.stringify(gen.batch(2).map((s) => s.tick)), headers: { "content-type": "application/json" } });
      expect(json.status).toBe(200);
      expect((await Promise.all(streams.map((s) => s.answer))).filter((a) => a.startsWith("HTTP/1.1 408")).length).toBe(2);
      const metrics = await (await fetch(`${small.url}/metrics`)).text();
      expect(metrics).toContain('tickgate_requests_refused_total{bound="ndjson_streams"} 1');
    } finally {
      expect(await small.stop()).toBe(0);
    }
  });

  test("past MAX_BODY_BYTES_IN_FLIGHT a body being read gets 503 pipeline.busy; the budget is given back", async () => {
    const small = await startTickgate({ WORKERS: "1", BODY_TIMEOUT_MS: "2000", MAX_BODY_BYTES_IN_FLIGHT: String(1 << 20) });
    const port = Number(new URL(small.url).port);
    try {
      // 700 KB of a 900 KB body held, then silence; a second body of 600 KB passes the 1 MiB budget.
      const first = await slowBody(port, "application/json", "[" + " ".repeat(700_000), 900_000);
      await Bun.sleep(200);
      const second = await slowBody(port, "application/json", "[" + " ".repeat(600_000), 600_002);
      const answer = await second.answer;
      expect(answer.startsWith("HTTP/1.1 503")).toBe(true);
      expect(answer).toContain("MAX_BODY_BYTES_IN_FLIGHT");
      expect((await first.answer).startsWith("HTTP/1.1 408")).toBe(true);
      // Both gave their bytes back: a body as large as the budget allows gets in.
      const ok = await fetch(`${small.url}/v1/ticks`, { method: "POST", body: JSON.stringify(gen.batch(2).map((s) => s.tick)).padEnd(900_000, " "), headers: { "content-type": "application/json" } });
      expect(ok.status).toBe(200);
    } finally {
      expect(await small.stop()).toBe(0);
    }
  });
});

describe("requests in progress are bounded", () => {
  test("past MAX_INFLIGHT_REQUESTS a request gets 503 pipeline.busy at once, and none is lost when they clear", async () => {
    const small = await startTickgate({ WORKERS: "1", BODY_TIMEOUT_MS: "1500", MAX_INFLIGHT_REQUESTS: "20" });
    try {
      const slow = await Promise.all(Array.from({ length: 20 }, () => slowBody(Number(new URL(small.url).port))));
      await Bun.sleep(100);
      const res = await fetch(`${small.url}/v1/ticks`, { method: "POST", body: JSON.stringify(gen.batch(3).map((s) => s.tick)), headers: { "content-type": "application/json" } });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(((await res.json()) as any).code).toBe("pipeline.busy");
      expect((await Promise.all(slow.map((s) => s.answer))).filter((a) => a.startsWith("HTTP/1.1 408")).length).toBe(20);
      const after = await fetch(`${small.url}/v1/ticks`, { method: "POST", body: JSON.stringify(gen.batch(3).map((s) => s.tick)), headers: { "content-type": "application/json" } });
      expect(after.status).toBe(200);
    } finally {
      expect(await small.stop()).toBe(0);
    }
  });
});

// ---------------------------------------------------------------- raw sockets

/** A POST that announces `length` bytes and sends only `start`: its answer is whatever the server sends before closing. */
async function slowBody(p: number, type = "application/json", start = '[{"type":', length = 1000): Promise<{ answer: Promise<string> }> {
  const sock = connect(p, "127.0.0.1");
  await new Promise<void>((resolve, reject) => (sock.once("connect", resolve), sock.once("error", reject)));
  const chunks: Buffer[] = [];
  const answer = new Promise<string>((resolve) => {
    sock.on("data", (d: Buffer) => {
      chunks.push(d);
      // An answer with a body: done once the JSON has arrived (Bun may keep the socket open).
      const text = Buffer.concat(chunks).toString();
      if (/\r\n\r\n\{.*\}$/s.test(text)) resolve(text), sock.destroy();
    });
    sock.on("close", () => resolve(Buffer.concat(chunks).toString()));
    sock.on("error", () => {});
  });
  sock.write(`POST /v1/ticks HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nContent-Type: ${type}\r\nContent-Length: ${length}\r\n\r\n${start}`);
  return { answer };
}

async function rawWebSocket(p: number): Promise<Socket> {
  const sock = connect(p, "127.0.0.1");
  await new Promise<void>((resolve, reject) => (sock.once("connect", resolve), sock.once("error", reject)));
  sock.write(`GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
  await new Promise<void>((resolve, reject) => {
    let head = "";
    const onData = (d: Buffer) => {
      head += d.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      sock.off("data", onData);
      head.startsWith("HTTP/1.1 101") ? resolve() : reject(new Error(`upgrade refused: ${head.split("\r\n")[0]}`));
    };
    sock.on("data", onData);
  });
  sock.on("error", () => {});
  return sock;
}

/** A client frame must be masked (RFC 6455 5.3); a zero mask keeps the payload as it is. */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/** The server's last close frame (opcode 8) in a byte stream of unmasked frames. */
function lastCloseFrame(bytes: Buffer): { code: number; reason: string } | null {
  let found: { code: number; reason: string } | null = null;
  for (let at = 0; at + 2 <= bytes.length; ) {
    const opcode = bytes[at]! & 0x0f;
    let len = bytes[at + 1]! & 0x7f;
    let head = 2;
    if (len === 126) (len = bytes.readUInt16BE(at + 2)), (head = 4);
    else if (len === 127) (len = Number(bytes.readBigUInt64BE(at + 2))), (head = 10);
    if (at + head + len > bytes.length) break;
    if (opcode === 8 && len >= 2) found = { code: bytes.readUInt16BE(at + head), reason: bytes.subarray(at + head + 2, at + head + len).toString() };
    at += head + len;
  }
  return found;
}
