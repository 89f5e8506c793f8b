// The ingest adapters: an HTTP request or a WebSocket frame → ticks → the pool → one result.
// They only translate; routing, backpressure and completion live in the pool.
import type { Config } from "../config.ts";
import { errors, IngestError } from "../errors.ts";
import { bodyKind, decodeBody, decodeJson, decodeMsgpack, joinChunks, readChunk, readNdjson, type ChunkReader } from "../ingest/decode.ts";
import type { Ack, TickResult, ValidatorPool } from "../ingest/pool.ts";
import { nowUs } from "../receive-time.ts";
import type { Admission } from "./admission.ts";


/**
 * Reads a whole body, refusing it with 413 as soon as it passes `limit` bytes, with 408 when it has
 * not arrived in full within `timeoutMs` (a client trickling bytes holds a request slot), and with
 * 503 when the bodies held in memory across requests pass their budget. Returns the bytes and how
 * many of the budget it took: the caller gives them back once the ticks are in the rings.
 */
export async function readLimited(request: Request, limit: number, timeoutMs: number, admission: Admission): Promise<{ bytes: Uint8Array; held: number }> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (declared > limit) throw errors.tooLarge(limit);
  if (!request.body) return { bytes: new Uint8Array(0), held: 0 };
  const reader = request.body.getReader() as unknown as ChunkReader;
  const deadline = performance.now() + timeoutMs;
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const chunk = await readChunk(reader, Math.max(1, deadline - performance.now()), timeoutMs, "the whole body must arrive within the bound");
      if (chunk.done) break;
      if (size + chunk.value.byteLength > limit) throw errors.tooLarge(limit);
      admission.takeBody(chunk.value.byteLength);
      size += chunk.value.byteLength;
      chunks.push(chunk.value);
    }
  } catch (err) {
    admission.giveBody(size);
    reader.cancel().catch(() => {});
    throw err;
  }
  return { bytes: joinChunks(chunks, size), held: size };
}

/**
 * The `?ack=` of a request: "kafka" (the default) answers once Kafka holds the accepted ticks,
 * "stored" once the sink group committed them (Redis and PostgreSQL hold them). Anything else is a 400.
 */
export function ackOf(url: string): Ack {
  const q = url.indexOf("?");
  if (q === -1) return "kafka";
  const ack = new URLSearchParams(url.slice(q + 1)).get("ack");
  if (ack === null || ack === "kafka") return "kafka";
  if (ack === "stored") return "stored";
  throw errors.ackUnsupported(ack);
}

export async function ingestRequest(request: Request, pool: ValidatorPool, config: Config, admission: Admission, ack: Ack = "kafka"): Promise<TickResult> {
  const recvTs = nowUs();
  const kind = bodyKind(request.headers.get("content-type"));
  pool.checkBehind();
  if (kind === "ndjson") {
    admission.openStream();
    try {
      return await ingestNdjson(request, pool, config, ack);
    } finally {
      admission.closeStream();
    }
  }
  const { bytes, held } = await readLimited(request, config.BODY_LIMIT_BYTES, config.BODY_TIMEOUT_MS, admission);
  try {
    return pool.submit(decodeBody(kind, bytes, config.MAX_TICKS_PER_REQUEST), recvTs, ack);
  } finally {
    admission.giveBody(held); // the ticks are in the rings (or refused): the body is no longer needed
  }
}

/**
 * NDJSON is validated and produced batch by batch while it streams in. A batch that finds a ring
 * full waits (the socket is not read meanwhile: TCP backpressure to the client) up to the ack bound.
 * If the stream fails after some ticks were taken, the answer (code stream.partial) says how many,
 * after waiting for Kafka's acknowledgement of those.
 */
async function ingestNdjson(request: Request, pool: ValidatorPool, config: Config, ack: Ack): Promise<TickResult> {
  if (!request.body) throw errors.empty();
  const p = pool.begin(ack);
  let failure: unknown;
  try {
    for await (const lines of readNdjson(request.body, {
      limitBytes: config.NDJSON_LIMIT_BYTES,
      maxTicks: config.NDJSON_MAX_TICKS,
      batchSize: 512,
      chunkTimeoutMs: config.BODY_TIMEOUT_MS,
    })) {
      const values = lines.map((l) => l.value);
      const unreadable = lines.some((l) => l.error) ? lines.map((l) => l.error) : undefined;
      // Each batch is stamped when it arrived: one stamp for a stream that lasts minutes would
      // judge its later live ticks ts.future.
      await addWaiting(pool, p, values, lines[0].index, nowUs(), unreadable, config.KAFKA_ACK_TIMEOUT_MS);
    }
  } catch (err) {
    failure = err;
  }
  if (failure === undefined && p.added > 0) return pool.seal(p);
  if (p.added === 0) {
    pool.forget(p);
    throw failure ?? errors.empty();
  }
  const cause = failure instanceof IngestError ? failure : errors.incomplete(String((failure as Error)?.message ?? failure));
  let taken: TickResult;
  try {
    taken = await pool.seal(p);
  } catch (err) {
    throw errors.partial(cause, p.added, undefined, (err as Error)?.message ?? String(err));
  }
  throw errors.partial(cause, p.added, taken);
}

async function addWaiting(
  pool: ValidatorPool, p: ReturnType<ValidatorPool["begin"]>, values: unknown[], base: number, recvTs: number,
  unreadable: (string | undefined)[] | undefined, boundMs: number,
) {
  const deadline = Date.now() + boundMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      return pool.add(p, values, base, recvTs, unreadable);
    } catch (err) {
      // A full queue or a sink catching up passes; the stream waits (bounded) rather than failing midway.
      if (!(err instanceof IngestError && (err.code === "pipeline.full" || err.code === "pipeline.behind")) || Date.now() >= deadline) throw err;
      await Bun.sleep(delay);
    }
  }
}

/** One WebSocket frame, as Bun handed it over: text is JSON, binary is MessagePack. */
export function ingestFrame(message: string | Uint8Array, pool: ValidatorPool, config: Config, ack: Ack = "kafka"): Promise<TickResult> {
  const recvTs = nowUs();
  try {
    pool.checkBehind();
    const ticks = typeof message === "string"
      ? decodeJson(message, config.MAX_TICKS_PER_REQUEST, "frame")
      : decodeMsgpack(message, config.MAX_TICKS_PER_REQUEST, "frame");
    return pool.submit(ticks, recvTs, ack);
  } catch (err) {
    return Promise.reject(err);
  }
}
