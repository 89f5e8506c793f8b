// Request bodies and WebSocket frames → arrays of raw ticks. Dispatch by content type through one
// lookup table; every failure is an IngestError with a stable code (400/413/415), never a crash.
import { C1 } from "msgpackr";
import { errors } from "../errors.ts";
import { TimedOut, withTimeout } from "../timeout.ts";
import { findJsonError } from "./json-position.ts";
import { scanMsgpack } from "./msgpack-scan.ts";
import { tickUnpackr } from "./tick-msgpack.ts";

export type BodyKind = "json" | "msgpack" | "ndjson";

const KINDS: Record<string, BodyKind> = {
  "application/json": "json",
  "text/json": "json",
  "application/msgpack": "msgpack",
  "application/x-msgpack": "msgpack",
  "application/vnd.msgpack": "msgpack",
  "application/x-ndjson": "ndjson",
  "application/ndjson": "ndjson",
  "application/jsonl": "ndjson",
  "application/jsonlines": "ndjson",
};

/** Every content type a body or frame may have (docs/api.md lists them; a test holds it to this). */
export const CONTENT_TYPES: readonly string[] = Object.keys(KINDS);

/** The body kind of a Content-Type header value (parameters such as charset are ignored). */
export function bodyKind(contentType: string | null): BodyKind {
  const mime = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const kind = KINDS[mime];
  if (!kind) throw errors.unsupportedType(contentType, CONTENT_TYPES);
  return kind;
}

const unpackr = tickUnpackr();
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Deepest nesting a body may have: array of ticks (1) → tick (2) → a field's value (3), with room
 * to spare. A tick's fields are scalars, so anything deeper is hostile or broken: refused whole.
 */
export const MAX_DEPTH = 8;

/**
 * Walks a decoded body once: "deep" if it nests deeper than `max` levels, "c1" if it holds
 * MessagePack's never-used byte 0xC1 (msgpackr decodes it to a marker instead of failing), else
 * null. Flat ticks cost one typeof per field.
 */
function badShape(value: unknown, max: number): "deep" | "c1" | null {
  if (value === C1) return "c1";
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return null;
  if (max === 0) return "deep";
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = badShape(value[i], max - 1);
      if (bad) return bad;
    }
    return null;
  }
  for (const k in value) {
    const bad = badShape((value as Record<string, unknown>)[k], max - 1);
    if (bad) return bad;
  }
  return null;
}

/** A body or frame's top-level value as a list of ticks: one tick alone or an array of ticks. */
export function asTicks(value: unknown, maxTicks: number, what: string): unknown[] {
  if (Array.isArray(value) && value.length > maxTicks) throw errors.tooManyTicks(maxTicks);
  const bad = badShape(value, MAX_DEPTH);
  if (bad === "c1") throw errors.malformed(`${what} is not valid MessagePack: byte 0xC1 is never used`);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) {
    throw errors.malformed(`${what} must be a tick object or an array of ticks, got ${describe(value)}`);
  }
  if (bad === "deep") throw errors.tooDeep(MAX_DEPTH);
  return Array.isArray(value) ? value : [value];
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value instanceof Uint8Array) return "binary";
  return typeof value;
}

export function decodeJson(bytes: Uint8Array | string, maxTicks: number, what = "body"): unknown[] {
  if (bytes.length === 0) throw errors.empty();
  let text: string;
  try {
    text = typeof bytes === "string" ? bytes : utf8.decode(bytes);
  } catch {
    throw errors.malformed(`${what} is not valid UTF-8`);
  }
  if (text.trim() === "") throw errors.empty();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // The scan is bounded: a hostile multi-MiB body costs one linear pass on the error path only.
    const at = findJsonError(text);
    const where = at ? ` at line ${at.line}, column ${at.column}: ${at.reason}` : `: ${(err as Error).message}`;
    throw errors.malformed(`${what} is not valid JSON${where}`, at ? { position: at.position, line: at.line, column: at.column } : {});
  }
  return asTicks(value, maxTicks, what);
}

export function decodeMsgpack(bytes: Uint8Array, maxTicks: number, what = "body"): unknown[] {
  if (bytes.length === 0) throw errors.empty();
  // Hostile counts and nesting are refused in O(bytes) before msgpackr allocates for them.
  const problem = scanMsgpack(bytes, maxTicks, MAX_DEPTH);
  if (problem?.kind === "too_many_ticks") throw errors.tooManyTicks(maxTicks);
  if (problem?.kind === "too_deep") throw errors.tooDeep(MAX_DEPTH);
  if (problem) throw errors.malformed(`${what} is not valid MessagePack: ${problem.reason} at byte ${problem.at}`, { position: problem.at });
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    throw errors.malformed(`${what} is not valid MessagePack: ${message}`);
  }
  return asTicks(value, maxTicks, what);
}

export function decodeBody(kind: "json" | "msgpack", bytes: Uint8Array, maxTicks: number): unknown[] {
  return kind === "json" ? decodeJson(bytes, maxTicks) : decodeMsgpack(bytes, maxTicks);
}

/** The chunks of a body as one array of `size` bytes; a single chunk is returned as it is (no copy). */
export function joinChunks(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

type Chunk = { done: true; value?: undefined } | { done: false; value: Uint8Array };
/** What readChunk needs of a stream reader (the DOM and Node typings of Bun disagree on the rest). */
export interface ChunkReader {
  read(): Promise<Chunk>;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * The next chunk of a body, within `ms`: 408 body.timeout when it does not come in time, 400
 * body.incomplete when the connection failed (the caller cancels the reader on either). `limitMs`
 * and `late` are the configured bound and what it bounds, as the answer names them.
 */
export async function readChunk(reader: ChunkReader, ms: number, limitMs = ms, late = "no data arrived for too long"): Promise<Chunk> {
  try {
    return await withTimeout(ms, reader.read(), "reading the body");
  } catch (err) {
    if (err instanceof TimedOut) throw errors.bodyTimeout(limitMs, late);
    throw errors.incomplete((err as Error)?.message ?? String(err));
  }
}

/** One line of an NDJSON stream: a decoded value, or the reason it could not be read. `line` is its 1-based line number, blank lines counted (for `bun run validate`'s listing). */
export type NdjsonLine = { index: number; line: number; value: unknown; error?: undefined } | { index: number; line: number; value: string; error: string };

/**
 * Reads an NDJSON body as it streams in and yields batches of decoded lines. Blank lines are skipped
 * and do not count; `index` is the tick's position among the non-blank lines. A line that is not
 * JSON is yielded with `error` (the pool rejects it as `schema.unreadable`), so one bad line does not
 * cost the rest of the stream. Throws 413 when more than `limitBytes` arrive or more than `maxTicks`
 * lines, 408 when the client sends nothing for `chunkTimeoutMs`.
 */
export async function* readNdjson(
  body: ReadableStream<Uint8Array>,
  opts: { limitBytes: number; maxTicks: number; batchSize: number; maxLineBytes?: number; chunkTimeoutMs?: number },
): AsyncGenerator<NdjsonLine[]> {
  const maxLine = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const decoder = new TextDecoder("utf-8");
  let carry = ""; // the start of a line whose newline has not arrived yet
  let index = 0;
  let lineNo = 0;
  let received = 0;
  let batch: NdjsonLine[] = [];
  const reader = body.getReader() as unknown as ChunkReader & { releaseLock(): void };

  let full = false; // NDJSON_MAX_TICKS lines taken: what was read up to there still goes through
  let batchChars = 0;
  const take = (line: string) => {
    if (full) return;
    lineNo++;
    if (line.trim() === "") return;
    if (index >= opts.maxTicks) return void (full = true);
    // Also a line that arrived whole in one chunk (the carry check below sees only unfinished ones).
    if (line.length > maxLine) throw errors.lineTooLong(maxLine, index);
    batchChars += line.length;
    try {
      batch.push({ index, line: lineNo, value: JSON.parse(line) });
    } catch (err) {
      batch.push({ index, line: lineNo, value: line.length > 4096 ? line.slice(0, 4096) : line, error: `line ${lineNo}: ${(err as Error).message}` });
    }
    index++;
  };

  try {
    for (;;) {
      const chunk = await readChunk(reader, opts.chunkTimeoutMs ?? 2 ** 31 - 1);
      if (chunk.done) break;
      received += chunk.value.byteLength;
      if (received > opts.limitBytes) throw errors.tooLarge(opts.limitBytes);
      // Only the new text is searched for newlines, so a long line costs linear time, not quadratic.
      // A batch is handed on as soon as it is full, also in the middle of a chunk (one chunk may
      // hold millions of short lines), and at the end of each chunk (below).
      const text = decoder.decode(chunk.value, { stream: true });
      let start = 0;
      for (let nl = text.indexOf("\n"); nl !== -1 && !full; nl = text.indexOf("\n", start)) {
        if (start === 0) {
          take(carry + text.slice(0, nl));
          carry = "";
        } else {
          take(text.slice(start, nl));
        }
        start = nl + 1;
        // Bounded in lines and in text: a batch of long lines must not hold hundreds of MiB.
        if (batch.length >= opts.batchSize || batchChars >= MAX_BATCH_CHARS) {
          yield batch;
          batch = [];
          batchChars = 0;
        }
      }
      if (full) break;
      // What a chunk completed goes on now, not when the batch fills: a slow stream's ticks are
      // validated, and stamped with their receive time, as they arrive.
      if (batch.length > 0) {
        yield batch;
        batch = [];
        batchChars = 0;
      }
      carry += start === 0 ? text : text.slice(start);
      if (carry.length > maxLine) throw errors.lineTooLong(maxLine, index);
    }
    if (!full) take(carry + decoder.decode());
    if (batch.length > 0) yield batch;
    if (full) throw errors.tooManyTicks(opts.maxTicks, "NDJSON_MAX_TICKS");
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err;
  } finally {
    try {
      reader.releaseLock();
    } catch {
      // a read still pending (after a timeout): the cancel above ends it
    }
  }
}

/**
 * Longest NDJSON line (one tick), in characters, before the stream is refused; a tick is a few
 * hundred bytes (and one over maxTickBytes is rejected anyway), so this only stops runaway lines.
 */
export const MAX_LINE_BYTES = 1 << 20;
/** A batch of lines is handed on once its text reaches this many characters, whatever its count. */
const MAX_BATCH_CHARS = 1 << 20;

