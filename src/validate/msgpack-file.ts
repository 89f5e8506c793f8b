// MessagePack input: one value, or several concatenated; each value is what a POST body may be (a
// tick, or an array of ticks). Read whole (bounded by --max-bytes) and taken one tick at a time:
// the server's bounded structural scan (src/ingest/msgpack-scan.ts) checks each value, or each
// element of a top-level array, before anything is built for it, so a hostile count or nesting
// costs nothing and memory holds the bytes and one tick, not every tick at once. A value alone is
// decoded by the server's decodeMsgpack; an array's elements by the same decoder options and the
// server's asTicks, which sees each one as it would inside its array.
import { tickUnpackr } from "../ingest/tick-msgpack.ts";
import { IngestError } from "../errors.ts";
import { asTicks, decodeMsgpack, MAX_DEPTH } from "../ingest/decode.ts";
import { scanMsgpack, type Problem } from "../ingest/msgpack-scan.ts";
import { InputError, type Input, type TickSink } from "./input.ts";

// decode.ts's options: plain objects (the checks read fields by name), 64-bit integers as numbers.
const unpackr = tickUnpackr();

export async function readMsgpackFile(input: Input, maxBytes: number, onTick: TickSink): Promise<void> {
  const bytes = await input.bytes(maxBytes);
  if (bytes.length === 0) throw new InputError(`${input.label} is empty`);
  const label = input.label;
  for (let pos = 0, value = 1; pos < bytes.length; value++) {
    const start = pos;
    const where = () => `${label}: value ${value} at byte ${start}`;
    const header = arrayHeader(bytes, pos);
    if (header === null) {
      pos = valueEnd(bytes, start, MAX_DEPTH, where);
      onTick(decode(bytes.subarray(start, pos), where), start);
      continue;
    }
    // Element by element: one that is broken or missing (a count larger than what follows) ends the run.
    pos += header.bytes;
    for (let k = 0; k < header.count; k++) {
      const at = pos;
      const element = () => `${where()}, element ${k} at byte ${at}`;
      pos = valueEnd(bytes, at, MAX_DEPTH - 1, element);
      onTick(decodeElement(bytes.subarray(at, pos), element), at);
    }
  }
}

/** A top-level array's element count and header size, or null for any other value. */
function arrayHeader(b: Uint8Array, p: number): { count: number; bytes: number } | null {
  const t = b[p]!;
  if (t >= 0x90 && t <= 0x9f) return { count: t & 0x0f, bytes: 1 };
  if (t === 0xdc && p + 3 <= b.length) return { count: (b[p + 1]! << 8) | b[p + 2]!, bytes: 3 };
  if (t === 0xdd && p + 5 <= b.length) return { count: b[p + 1]! * 0x1000000 + ((b[p + 2]! << 16) | (b[p + 3]! << 8) | b[p + 4]!), bytes: 5 };
  return null;
}

/**
 * End (exclusive) of the well-formed value at `start`, nesting at most `maxDepth` levels. The scan
 * refuses bytes after its one value, pointing at the first of them: the value ends there when the
 * bytes before it scan clean alone.
 */
function valueEnd(bytes: Uint8Array, start: number, maxDepth: number, where: () => string): number {
  const rest = bytes.subarray(start);
  const problem = scanMsgpack(rest, Infinity, maxDepth);
  if (problem === null) return bytes.length;
  if (problem.kind === "malformed" && problem.at > 0 && scanMsgpack(rest.subarray(0, problem.at), Infinity, maxDepth) === null) return start + problem.at;
  throw refused(problem, start, where);
}

function refused(problem: Problem, start: number, where: () => string): InputError {
  if (problem.kind === "too_deep") return tooDeep(where);
  const reason = problem.kind === "malformed" ? `${problem.reason} at byte ${start + problem.at}` : "too many ticks";
  return new InputError(`${where()} is not valid MessagePack: ${reason}`);
}

const tooDeep = (where: () => string) =>
  new InputError(`${where()} nests deeper than ${MAX_DEPTH} levels (a tick's fields are scalars); the server refuses such a body (400 body.too_deep)`);

/** A value alone, by the server's decoder: a tick (an object), else refused. `where` is built only then. */
function decode(value: Uint8Array, where: () => string): unknown {
  try {
    return decodeMsgpack(value, 1, "it")[0];
  } catch (err) {
    throw refusedDecode(err, where);
  }
}

/** An element of an array: any value is a tick (the checks reject what is not one), within the depth bound. */
function decodeElement(element: Uint8Array, where: () => string): unknown {
  try {
    return asTicks([unpackr.unpack(element)], 1, "it")[0];
  } catch (err) {
    throw refusedDecode(err, where);
  }
}

function refusedDecode(err: unknown, where: () => string): InputError {
  if (err instanceof IngestError && err.code === "body.too_deep") return tooDeep(where);
  return new InputError(`${where()}: ${(err as Error)?.message ?? err}`);
}
