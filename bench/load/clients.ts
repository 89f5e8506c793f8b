// The three ways the load tool sends ticks: HTTP POST of a JSON / MessagePack array, HTTP POST of
// NDJSON, WebSocket frames. Each connection is one async loop that claims slots from the shared
// schedule, builds its batch from its own TickSource, sends it and records the answer.
import { unpack } from "msgpackr";
import type { Format, Mode } from "./options.ts";
import type { Probe } from "./probe.ts";
import type { Schedule } from "./rate.ts";
import type { Recorder } from "./recorder.ts";
import type { Batch, TickSource } from "./ticks.ts";

export interface DriveContext {
  url: string;
  mode: Mode;
  format: Format;
  sources: TickSource[];
  schedule: Schedule;
  recorder: Recorder;
  probe: Probe | null;
  /** ws: frames in flight per connection */
  window: number;
  /** ?ack= of every request / socket */
  ack: "kafka" | "stored";
  timeoutMs: number;
}

interface Result {
  accepted: number;
  rejected: number;
  flagged: number;
  rejects?: { index: number }[];
  error?: string;
  code?: string;
}

const CONTENT_TYPE: Record<string, string> = { json: "application/json", msgpack: "application/msgpack", ndjson: "application/x-ndjson" };

async function waitFor(at: number) {
  const d = at - performance.now();
  if (d > 0.5) await Bun.sleep(d);
}

function settle(ctx: DriveContext, b: Batch, t0: number, t1: number, r: Result) {
  ctx.recorder.answered(t0, t1, r, b.bad);
  if (ctx.probe && b.samples.length) {
    // A sample the server rejected (a stateful check may) is never stored: stop looking for it.
    const rejected = new Set((r.rejects ?? []).map((x) => x.index));
    ctx.probe.confirm(b.samples.filter((s) => !rejected.has(s.index)));
    ctx.probe.drop(b.samples.filter((s) => rejected.has(s.index)));
  }
}

function fail(ctx: DriveContext, b: Batch, t1: number, status: string, detail: string) {
  ctx.recorder.failed(t1, b.count, status, detail);
  ctx.probe?.drop(b.samples);
}

async function httpConnection(ctx: DriveContext, c: number) {
  const src = ctx.sources[c];
  const kind = ctx.mode === "ndjson" ? "ndjson" : ctx.format;
  const url = `${ctx.url}/v1/ticks${ctx.ack === "stored" ? "?ack=stored" : ""}`;
  const headers = { "content-type": CONTENT_TYPE[kind] };
  for (;;) {
    const slot = ctx.schedule.claim();
    if (!slot) return;
    await waitFor(slot.at);
    const b = src.batch(slot.count, ctx.mode, ctx.format);
    const t0 = performance.now();
    for (const s of b.samples) s.sentAt = t0;
    ctx.probe?.watch(b.samples);
    ctx.recorder.sent(t0, b.count);
    try {
      const res = await fetch(url, { method: "POST", body: b.body, headers, signal: AbortSignal.timeout(ctx.timeoutMs) });
      const text = await res.text();
      const t1 = performance.now();
      if (res.status === 200) settle(ctx, b, t0, t1, JSON.parse(text));
      // A 503 of ?ack=stored whose ticks are in Kafka was taken: not "refused", its fate is the sink's.
      else fail(ctx, b, t1, res.status === 503 && text.includes('"inKafka":true') ? "503 in Kafka" : String(res.status), text);
    } catch (err) {
      fail(ctx, b, performance.now(), "error", String((err as Error)?.message ?? err));
    }
  }
}

async function wsConnection(ctx: DriveContext, c: number) {
  const src = ctx.sources[c];
  const ws = new WebSocket(ctx.url.replace(/^http/, "ws") + "/v1/stream" + (ctx.ack === "stored" ? "?ack=stored" : ""));
  ws.binaryType = "arraybuffer";
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`WebSocket ${ctx.url} did not open`));
  });
  const inflight: { b: Batch; t0: number }[] = [];
  let wake: (() => void) | null = null;
  let closed = false;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  ws.onmessage = (ev) => {
    const t1 = performance.now();
    const f = inflight.shift();
    if (f) {
      const r = (typeof ev.data === "string" ? JSON.parse(ev.data) : unpack(new Uint8Array(ev.data as ArrayBuffer))) as Result;
      if (r.error !== undefined) fail(ctx, f.b, t1, r.code ?? "error", r.error);
      else settle(ctx, f.b, f.t0, t1, r);
    }
    notify();
  };
  ws.onclose = () => {
    closed = true;
    const t1 = performance.now();
    for (const f of inflight.splice(0)) fail(ctx, f.b, t1, "closed", "WebSocket closed with the frame unanswered");
    notify();
  };
  const until = (cond: () => boolean, deadline: number) =>
    (async () => {
      while (!cond() && !closed && performance.now() < deadline) await Promise.race([new Promise<void>((r) => (wake = r)), Bun.sleep(50)]);
    })();
  for (;;) {
    const slot = ctx.schedule.claim();
    if (!slot || closed) break;
    await waitFor(slot.at);
    await until(() => inflight.length < ctx.window, Infinity);
    if (closed) break;
    const b = src.batch(slot.count, "ws", ctx.format);
    const t0 = performance.now();
    for (const s of b.samples) s.sentAt = t0;
    ctx.probe?.watch(b.samples);
    ctx.recorder.sent(t0, b.count);
    inflight.push({ b, t0 });
    ws.send(b.body);
  }
  await until(() => inflight.length === 0, performance.now() + ctx.timeoutMs);
  const t1 = performance.now();
  for (const f of inflight.splice(0)) fail(ctx, f.b, t1, "timeout", "no answer to the frame");
  ws.close();
}

/** Runs every connection until the schedule ends and every request is answered. */
export async function drive(ctx: DriveContext): Promise<void> {
  const one = ctx.mode === "ws" ? wsConnection : httpConnection;
  await Promise.all(ctx.sources.map((_, c) => one(ctx, c)));
}
