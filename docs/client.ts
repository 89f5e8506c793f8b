// A small tickgate client to copy into your project: POST /v1/ticks with the retries the API asks
// for, and a WebSocket stream that hands every frame its own answer. fetch + WebSocket only (Bun,
// Node 22+, browsers) and no TypeScript-only runtime syntax, so Node's type stripping runs it as is.
// docs/clients.md explains the rules it follows.
//
//   import { openStream, postTicks, TickgateError } from "./client.ts";
//
//   const ticks = [{ type: "trade", exchange: "binance", symbol: "BTC-USDT", ts: Date.now(),
//                    price: 97000.5, size: 0.01, side: "buy", tradeId: 1 }];
//   try {
//     const answer = await postTicks("http://localhost:8080", ticks, { ack: "stored", apiKey: KEY });
//     for (const r of answer.rejects) console.warn(`tick ${r.index} rejected:`, r.codes);
//   } catch (e) {
//     if (!(e instanceof TickgateError)) throw e;
//     console.error(e.status, e.code, e.message); // a 4xx, or the retries ran out
//   }
//
//   const stream = await openStream("ws://localhost:8080/v1/stream", { apiKey: KEY });
//   const answers = await Promise.all(batches.map((b) => stream.send(b))); // answers[i] is batches[i]'s
//   await stream.close();

export interface Listed {
  index: number;
  codes: string[];
}

/** The answer to a request or a frame: every tick counted once, accepted (maybe flagged) or rejected. */
export interface Answer {
  accepted: number;
  rejected: number;
  flagged: number;
  /** Rejected ticks by their index in the request, lowest first (at most MAX_REJECTS_LISTED). */
  rejects: Listed[];
  /** Accepted ticks on which flag checks fired (at most MAX_FLAGS_LISTED). */
  flags: Listed[];
  /** Present when a list was cut: then, per code, how many of the request's ticks have it. */
  rejectsTruncated?: true;
  rejectsByCode?: Record<string, number>;
  flagsTruncated?: true;
  flagsByCode?: Record<string, number>;
}

export interface PostAnswer extends Answer {
  /** HTTP attempts it took (1: no retry). */
  attempts: number;
  /**
   * An earlier attempt's outcome was unknown (503 pipeline.unavailable, a dropped connection, a
   * timeout): it may have delivered the ticks. A tick this answer rejects as `tradeId.duplicate` or
   * `seq.duplicate` was then delivered by that attempt, not lost.
   */
  retriedAfterUnknown: boolean;
}

export interface FrameAnswer extends Answer {
  /** The frame's number on its connection, from 1. */
  frame: number;
}

/** tickgate's error body: a message, a stable code, and details by code (`position`, `lagMs`, `inKafka`, …). */
export interface ErrorBody {
  error: string;
  code: string;
  [detail: string]: unknown;
}

/** An answer other than 200, or none at all: `status` 0 and a `client.*` code, made up here. */
export class TickgateError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: ErrorBody;
  readonly attempts: number;
  constructor(status: number, body: ErrorBody, attempts = 1, cause?: unknown) {
    super(`${status || "no answer"} ${body.code}: ${body.error}`, { cause });
    this.name = "TickgateError";
    this.status = status;
    this.code = body.code;
    this.body = body;
    this.attempts = attempts;
  }
}

/**
 * The stream's socket closed (1008 a limit, 1009 a frame too large, 1001 shutdown, 1006 no close
 * frame, …): sends not answered yet fail with it. Their frames may or may not have been taken: resend
 * them (safe, as after pipeline.unavailable).
 */
export class StreamClosedError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string) {
    super(`stream closed (${code}${reason ? `: ${reason}` : ""})`);
    this.name = "StreamClosedError";
    this.code = code;
    this.reason = reason;
  }
}

export interface PostOptions {
  /** "kafka" (the server's default): answered once Kafka holds the ticks; "stored": once Redis and PostgreSQL do. */
  ack?: "kafka" | "stored";
  /** Sent as `x-api-key` (the server's API_KEYS). */
  apiKey?: string;
  /** Most attempts in all (default 6). */
  maxAttempts?: number;
  /** Give up rather than start a wait that would end later than this many ms after the call (default 60 000). */
  deadlineMs?: number;
  /** Longest wait between attempts, whatever Retry-After says (default 30 000). */
  maxWaitMs?: number;
  /** Bound of one attempt (default 30 000; the server answers within KAFKA_ACK_TIMEOUT_MS + STORED_ACK_TIMEOUT_MS, 15 s by default). */
  attemptTimeoutMs?: number;
}

/** 503s that took none of the ticks. pipeline.unavailable (and a 503 not from tickgate) may have taken them. */
const TOOK_NOTHING = new Set(["pipeline.full", "pipeline.busy", "pipeline.behind", "pipeline.shutting_down"]);

/** POSTs ticks (one or an array) as JSON; retries 503s and lost connections, throws TickgateError otherwise. */
export async function postTicks(baseUrl: string, ticks: unknown, opts: PostOptions = {}): Promise<PostAnswer> {
  const { maxAttempts = 6, deadlineMs = 60_000, maxWaitMs = 30_000, attemptTimeoutMs = 30_000 } = opts;
  const url = new URL("v1/ticks", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`); // keeps a path prefix (behind a proxy)
  if (opts.ack) url.searchParams.set("ack", opts.ack);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (opts.apiKey) headers["x-api-key"] = opts.apiKey;
  // Every attempt sends these same bytes: whatever an earlier attempt delivered, the server's
  // duplicate checks then recognise (tradeId, seq) rather than take twice.
  const body = JSON.stringify(ticks);
  const deadline = Date.now() + deadlineMs;
  let retriedAfterUnknown = false;
  for (let attempt = 1; ; attempt++) {
    const r = await attemptPost(url, { method: "POST", headers, body, signal: AbortSignal.timeout(attemptTimeoutMs) }, attempt);
    if (!("err" in r)) return { ...r, attempts: attempt, retriedAfterUnknown };
    const { err } = r;
    if (err.status !== 503 && err.status !== 0) throw err; // a 4xx (or 500) would fail the same way again
    if (!TOOK_NOTHING.has(err.code)) retriedAfterUnknown = true;
    // Never sooner than the server asked, up to 20 % later so that clients told the same
    // Retry-After do not all come back in the same instant.
    const waitMs = Math.min(r.waitS * 1000, maxWaitMs) * (1 + Math.random() * 0.2);
    if (attempt >= maxAttempts || Date.now() + waitMs > deadline) throw err;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}

/** One POST: its answer, or its error with the seconds to wait before the next attempt. */
async function attemptPost(url: URL, init: RequestInit, attempt: number): Promise<Answer | { err: TickgateError; waitS: number }> {
  let res: Response;
  try {
    res = await fetch(url, init);
    if (res.ok) return (await res.json()) as Answer;
  } catch (e) {
    // No (whole) answer: a reset (Bun closes an HTTP/1.1 connection on a pipelined request), a
    // refused connection, the attempt's timeout, a 200 whose body broke off. Like
    // pipeline.unavailable, the ticks may have been taken, and a retry is safe.
    const err = new TickgateError(0, { error: String((e as Error)?.message ?? e), code: "client.no_answer" }, attempt, e);
    return { err, waitS: 0.25 * 2 ** (attempt - 1) };
  }
  return { err: new TickgateError(res.status, await errorBody(res), attempt), waitS: Number(res.headers.get("retry-after")) || 1 };
}

async function errorBody(res: Response): Promise<ErrorBody> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    if (typeof body?.code === "string") return body;
  } catch {}
  return { error: text.slice(0, 200) || res.statusText, code: `http.${res.status}` }; // not tickgate's (a proxy's?)
}

export interface StreamOptions {
  /** Holds for every frame of the socket. */
  ack?: "kafka" | "stored";
  /** Sent as the `x-api-key` header (Bun, Node 22+). A browser cannot set headers: add `keyInQuery` (the server needs API_KEY_IN_QUERY=true). */
  apiKey?: string;
  keyInQuery?: boolean;
  /** Frames sent and not answered yet; send() waits while the window is full (default 32). The server closes the socket 1008 past WS_MAX_INFLIGHT_FRAMES (64). */
  maxInFlight?: number;
  /** A longer frame is refused here, not sent: the server would close the socket 1009 past BODY_LIMIT_BYTES, failing every frame in flight (default 4 MiB, its default). */
  maxFrameBytes?: number;
}

export interface Stream {
  /** Sends one frame of ticks (JSON text); resolves with its answer, rejects with TickgateError for an error answer, StreamClosedError if the socket closes first. */
  send(ticks: unknown): Promise<FrameAnswer>;
  /** Frames sent and not answered yet. */
  readonly inFlight: number;
  /** Why the socket closed, once it has. */
  readonly closed: Promise<StreamClosedError>;
  /** Closes the socket at once: sends not answered yet reject with StreamClosedError (await them first to drain). */
  close(): Promise<StreamClosedError>;
}

/** Opens a WebSocket to GET /v1/stream; resolves once it is open. */
export function openStream(wsUrl: string, opts: StreamOptions = {}): Promise<Stream> {
  const { maxInFlight = 32, maxFrameBytes = 4 * 1024 * 1024 } = opts;
  const url = new URL(wsUrl);
  if (opts.ack) url.searchParams.set("ack", opts.ack);
  if (opts.apiKey && opts.keyInQuery) url.searchParams.set("api_key", opts.apiKey);
  // Bun and Node 22+ take headers in a second argument; browsers (and the DOM's types) do not.
  const init = opts.apiKey && !opts.keyInQuery ? { headers: { "x-api-key": opts.apiKey } } : undefined;
  const ws = new (WebSocket as new (url: URL, init?: object) => WebSocket)(url, init);

  // The server numbers the frames of a connection from 1, as they arrive, and puts the number in
  // every answer: frames go out in send() order, so the n-th sent is frame n.
  const pending = new Map<number, { resolve: (a: FrameAnswer) => void; reject: (e: Error) => void }>();
  let sent = 0;
  let opened = false;
  let ended: StreamClosedError | undefined;
  let room: (() => void) | undefined; // wakes the one send waiting for the window
  let turn: Promise<unknown> = Promise.resolve(); // each send waits for the one before it to go out

  const closed = new Promise<StreamClosedError>((resolve) => {
    ws.onclose = (e) => {
      // A refused upgrade shows only as a close: the WebSocket API does not expose the status.
      const why = new StreamClosedError(e.code, e.reason || (opened ? "" : "the connection or the upgrade failed (401 auth.invalid_key? 503 pipeline.busy past WS_MAX_CONNECTIONS?)"));
      end(why);
      resolve(why);
    };
  });
  function end(why: StreamClosedError) {
    if (ended) return;
    ended = why;
    for (const p of pending.values()) p.reject(why);
    pending.clear();
    room?.();
  }

  ws.onmessage = (e) => {
    if (ended) return; // close() was called: its sends are rejected already
    const a = JSON.parse(String(e.data));
    const p = pending.get(a.frame);
    if (!p) {
      // Never happens with tickgate; fail loudly rather than leave a send waiting for ever.
      end(new StreamClosedError(4000, `an answer for frame ${a.frame}, which is not in flight`));
      ws.close(4000);
      return;
    }
    pending.delete(a.frame);
    if (typeof a.code === "string") p.reject(new TickgateError(a.status, a));
    else p.resolve(a);
    room?.();
    room = undefined;
  };

  const stream: Stream = {
    send(ticks) {
      const text = JSON.stringify(ticks);
      // UTF-8 takes at most 3 bytes per UTF-16 unit: only a long frame needs its bytes counted.
      if (text.length * 3 > maxFrameBytes && new TextEncoder().encode(text).byteLength > maxFrameBytes) {
        return Promise.reject(new TickgateError(0, { error: `frame over ${maxFrameBytes} bytes: split it`, code: "client.frame_too_large" }));
      }
      const out = turn.then(async () => {
        while (!ended && pending.size >= maxInFlight) await new Promise<void>((resolve) => (room = resolve));
        if (ended) throw ended;
        const frame = ++sent;
        const answer = new Promise<FrameAnswer>((resolve, reject) => pending.set(frame, { resolve, reject }));
        ws.send(text);
        return { answer }; // boxed: the next send waits for this one to go out, not for its answer
      });
      turn = out.catch(() => {});
      return out.then((o) => o.answer);
    },
    get inFlight() {
      return pending.size;
    },
    closed,
    close() {
      end(new StreamClosedError(1000, "closed by the client"));
      ws.close(1000);
      return closed;
    },
  };

  return new Promise((resolve, reject) => {
    ws.onopen = () => {
      opened = true;
      resolve(stream);
    };
    closed.then(reject); // after open, a no-op
  });
}
