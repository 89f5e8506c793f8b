// Sends one case over its transport and returns what came back, never throwing and never waiting
// longer than its bound: HTTP by fetch, WebSocket frames on one connection, raw bytes on a TCP socket.
import type { HttpCase, RawCase, WsCase } from "./case.ts";

export interface HttpAnswer {
  status: number;
  text: string;
  contentType: string;
  retryAfter: string | null;
}
export type HttpOutcome = { answer: HttpAnswer; ms: number } | { error: string; timedOut: boolean; ms: number };

export async function sendHttp(base: string, c: HttpCase, timeoutMs: number): Promise<HttpOutcome> {
  const t0 = performance.now();
  const headers = new Headers();
  for (const [k, v] of c.headers) headers.append(k, v);
  let body: Uint8Array | ReadableStream<Uint8Array> = c.body;
  if (c.chunks) {
    let at = 0;
    let i = 0;
    const chunks = c.chunks;
    body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i >= chunks.length) return controller.close();
        controller.enqueue(c.body.slice(at, (at += chunks[i++])));
      },
    });
  }
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(base + c.path, { method: "POST", headers, body, signal });
    const text = await res.text();
    return {
      answer: { status: res.status, text, contentType: res.headers.get("content-type") ?? "", retryAfter: res.headers.get("retry-after") },
      ms: performance.now() - t0,
    };
  } catch (err) {
    return { error: String((err as Error)?.message ?? err), timedOut: signal.aborted, ms: performance.now() - t0 };
  }
}

export interface WsOutcome {
  answers: string[];
  /** how the connection ended before every answer arrived, if it did */
  closed?: { code: number; reason: string };
  error?: string;
  timedOut: boolean;
  ms: number;
}

/** Opens /v1/stream, sends every frame at once (they are answered in order), waits for one answer each. */
export function sendWs(base: string, c: WsCase, timeoutMs: number): Promise<WsOutcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const answers: string[] = [];
    const ws = new WebSocket(base.replace(/^http/, "ws") + "/v1/stream");
    ws.binaryType = "arraybuffer";
    let done = false;
    const finish = (extra: Partial<WsOutcome>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        ws.close();
      } catch {}
      resolve({ answers, timedOut: false, ms: performance.now() - t0, ...extra });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    ws.onopen = () => {
      for (const f of c.frames) ws.send(f.data);
    };
    ws.onmessage = (ev) => {
      answers.push(typeof ev.data === "string" ? ev.data : new TextDecoder().decode(ev.data as ArrayBuffer));
      if (answers.length >= c.frames.length) finish({});
    };
    ws.onerror = () => finish({ error: "websocket error" });
    ws.onclose = (ev) => finish({ closed: { code: ev.code, reason: ev.reason } });
  });
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}
export interface RawOutcome {
  answers: RawAnswer[];
  /** the server closed the connection (after `ms`) */
  closed: boolean;
  timedOut: boolean;
  error?: string;
  ms: number;
}

/** Complete HTTP/1.1 responses at the start of `buf` (1xx interim answers skipped), and the bytes they used. */
export function parseResponses(buf: Uint8Array): { answers: RawAnswer[]; used: number } {
  const text = new TextDecoder("latin1").decode(buf);
  const answers: RawAnswer[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf("\r\n\r\n", at);
    if (end === -1) break;
    const [statusLine, ...lines] = text.slice(at, end).split("\r\n");
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(":");
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    let bodyStart = end + 4;
    let body = "";
    if (headers["transfer-encoding"]?.includes("chunked")) {
      let p = bodyStart;
      let complete = false;
      for (;;) {
        const nl = text.indexOf("\r\n", p);
        if (nl === -1) break;
        const size = parseInt(text.slice(p, nl), 16);
        if (!(size >= 0) || nl + 2 + size + 2 > text.length) break;
        body += text.slice(nl + 2, nl + 2 + size);
        p = nl + 2 + size + 2;
        if (size === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) break;
      bodyStart = p;
    } else {
      const len = status >= 200 && status !== 204 && status !== 304 ? Number(headers["content-length"] ?? 0) : 0;
      if (bodyStart + len > text.length) break;
      body = text.slice(bodyStart, bodyStart + len);
      bodyStart += len;
    }
    at = bodyStart;
    if (status >= 200 || status === 0) answers.push({ status, headers, body });
  }
  return { answers, used: at };
}

export function sendRaw(host: string, port: number, c: RawCase, timeoutMs: number): Promise<RawOutcome> {
  const t0 = performance.now();
  const want = c.answers ?? 1;
  return new Promise((resolve) => {
    let received = new Uint8Array(0);
    let done = false;
    let sock: { end(): void } | null = null;
    const finish = (o: Partial<RawOutcome>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const { answers } = parseResponses(received);
      try {
        sock?.end();
      } catch {}
      resolve({ answers, closed: false, timedOut: false, ms: performance.now() - t0, ...o });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    // A write may take only part of the bytes: the rest goes on "drain"; then end, half-close or hold.
    let written = 0;
    let sent = false;
    const flush = (s: { write(b: Uint8Array): number; shutdown(): void }) => {
      if (sent) return;
      written += Math.max(0, s.write(c.bytes.subarray(written)));
      if (written < c.bytes.length) return;
      sent = true;
      if (c.then === "end") finish({});
      else if (c.then === "half") s.shutdown();
    };
    Bun.connect({
      hostname: host,
      port,
      socket: {
        open(s) {
          sock = s;
          flush(s);
        },
        drain(s) {
          flush(s);
        },
        data(_s, data) {
          const grown = new Uint8Array(received.length + data.length);
          grown.set(received);
          grown.set(data, received.length);
          received = grown;
          if (parseResponses(received).answers.length >= want) finish({});
        },
        close() {
          finish({ closed: true });
        },
        end() {
          finish({ closed: true });
        },
        error(_s, err) {
          finish({ closed: true, error: String(err?.message ?? err) });
        },
        connectError(_s, err) {
          finish({ error: `connect: ${String(err?.message ?? err)}` });
        },
      },
    }).catch((err) => finish({ error: `connect: ${String(err?.message ?? err)}` }));
  });
}
