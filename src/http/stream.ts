// GET /v1/stream: the WebSocket adapter, on Bun's own WebSocket handlers rather than Elysia's ws().
// Elysia JSON-parses a text frame before its handler sees it, so a frame holding a JSON *string*
// ("[{…}]" in quotes) would arrive as text and be parsed a second time — and taken. Here each text
// frame is parsed exactly once, by the same decoder as an HTTP body, and answered the same way.
//
// Bounds (README, "WebSocket limits"): connections, unanswered frames and unread answers per socket.
import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import type { Config } from "../config.ts";
import { errors, IngestError } from "../errors.ts";
import type { Ack, TickResult, ValidatorPool } from "../ingest/pool.ts";
import type { Auth } from "./auth.ts";
import { ackOf, ingestFrame } from "./ingest.ts";
import { errorResponse } from "./respond.ts";

/** Per socket: frames counted from 1, answers chained in frame order. */
export interface Connection {
  /** The socket's ?ack=, for every frame. */
  ack: Ack;
  frame: number;
  unanswered: number;
  tail: Promise<unknown>;
  closed: boolean;
}

/** The server's open WebSockets. Shutdown closes them with 1001 rather than leaving the runtime to drop them. */
export class OpenSockets {
  private readonly open = new Set<ServerWebSocket<Connection>>();
  get size() {
    return this.open.size;
  }
  add(ws: ServerWebSocket<Connection>) {
    this.open.add(ws);
  }
  delete(ws: ServerWebSocket<Connection>) {
    this.open.delete(ws);
  }
  closeAll(code: number, reason: string) {
    for (const ws of this.open) {
      ws.data.closed = true; // an answer still on its way is not "not being read"
      ws.close(code, reason);
    }
    this.open.clear();
  }
}

export interface StreamDeps {
  config: Config;
  pool: ValidatorPool | null;
  auth: Auth;
  sockets: OpenSockets;
  /** Counts a frame's answer (status, latency, ticks by outcome). */
  observe(status: number, started: number, result: TickResult | undefined, ack: Ack): void;
  /** Counts a socket the server closed or refused, by reason. */
  closedByServer(reason: string): void;
}

export function createStream(d: StreamDeps) {
  const { config, sockets } = d;

  function close(ws: ServerWebSocket<Connection>, code: number, reason: string) {
    if (ws.data.closed) return;
    ws.data.closed = true;
    d.closedByServer(reason.split(":")[0]!);
    ws.close(code, reason);
  }

  const handlers: WebSocketHandler<Connection> = {
    // Bun applies these to every WebSocket of the server. A frame over maxPayloadLength closes the
    // socket with 1009; answers a client does not read are bounded by WS_MAX_BUFFERED_BYTES below.
    maxPayloadLength: config.BODY_LIMIT_BYTES,
    idleTimeout: config.WS_IDLE_TIMEOUT_S,
    backpressureLimit: config.WS_MAX_BUFFERED_BYTES,
    closeOnBackpressureLimit: false,
    perMessageDeflate: false,
    open(ws) {
      sockets.add(ws);
    },
    message(ws, message) {
      const conn = ws.data;
      if (conn.closed || !d.pool) return;
      const frame = ++conn.frame;
      // A client that keeps sending without waiting for answers would queue work without bound.
      if (conn.unanswered >= config.WS_MAX_INFLIGHT_FRAMES) {
        return close(ws, 1008, `frames in flight: more than ${config.WS_MAX_INFLIGHT_FRAMES} unanswered (WS_MAX_INFLIGHT_FRAMES); frame ${frame} was not taken`);
      }
      conn.unanswered++;
      const started = performance.now();
      const answer = ingestFrame(message, d.pool, config, conn.ack).then(
        (result) => (d.observe(200, started, result, conn.ack), { ...result, frame }),
        (err) => {
          const e = err instanceof IngestError ? err : errors.malformed(String(err?.message ?? err));
          d.observe(e.status, started, undefined, conn.ack);
          return { ...e.toJSON(), status: e.status, frame };
        },
      );
      // Frames are validated concurrently but answered in the order they came. An answer must never
      // vanish silently: a client whose unread answers pass WS_MAX_BUFFERED_BYTES (send → -1 means
      // buffered, 0 dropped) is disconnected instead.
      conn.tail = conn.tail.then(() => answer).then((body) => {
        conn.unanswered--;
        if (conn.closed) return;
        const sent = ws.send(JSON.stringify(body));
        if (sent === 0 || ws.getBufferedAmount() > config.WS_MAX_BUFFERED_BYTES) {
          close(ws, 1008, `answers are not being read: more than ${config.WS_MAX_BUFFERED_BYTES} bytes unread (WS_MAX_BUFFERED_BYTES)`);
        }
      });
    },
    close(ws) {
      ws.data.closed = true;
      sockets.delete(ws);
    },
  };

  /** The upgrade of GET /v1/stream: undefined once upgraded, else the answer refusing it. */
  function upgrade(request: Request, server: Server<Connection> | null | undefined): Response | undefined {
    if (!d.pool) return errorResponse(errors.disabled("ingest", config.ROLE));
    if (!d.auth.allows(request.headers, request.url)) return errorResponse(errors.unauthorized());
    let ack: Ack;
    try {
      ack = ackOf(request.url);
    } catch (e) {
      return errorResponse(e);
    }
    if (sockets.size >= config.WS_MAX_CONNECTIONS) {
      d.closedByServer("websockets");
      return errorResponse(errors.busy(`more than ${config.WS_MAX_CONNECTIONS} WebSocket connections (WS_MAX_CONNECTIONS)`));
    }
    const data: Connection = { ack, frame: 0, unanswered: 0, tail: Promise.resolve(), closed: false };
    if (server?.upgrade(request, { data })) return undefined;
    return errorResponse(errors.malformed("GET /v1/stream is a WebSocket: send an upgrade request"));
  }

  return { handlers, upgrade };
}
