// JSON input: one tick, or an array of ticks, as a POST body. The file is read whole (bounded by
// --max-bytes) but parsed one element at a time: a scan finds where each element of the top-level
// array starts and ends (and on which line), JSON.parse reads it and the server's asTicks applies
// its depth bound, so memory holds the text and one tick, not every tick at once. Parsing each
// element alone gives the same values as parsing the whole array; a syntax error anywhere is
// reported where the server's scanner (src/ingest/json-position.ts) places it, and the file is
// refused whole (exit 2), as the server refuses the whole body.
import { IngestError } from "../errors.ts";
import { asTicks, MAX_DEPTH } from "../ingest/decode.ts";
import { findJsonError } from "../ingest/json-position.ts";
import { InputError, type Input, type TickSink } from "./input.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

const QUOTE = 0x22, COMMA = 0x2c, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d, OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, BACKSLASH = 0x5c;

export async function readJsonFile(input: Input, maxBytes: number, onTick: TickSink): Promise<void> {
  // The bytes are not kept once decoded: only the text stays while the ticks are read.
  forEachTick(textOf(await input.bytes(maxBytes), input.label), input, onTick);
}

function textOf(bytes: Uint8Array, label: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InputError(`${label} is not valid UTF-8`);
  }
}

function forEachTick(text: string, input: Input, onTick: TickSink): void {
  const n = text.length;
  const lines = new LineCounter(text);
  const fail = (): never => {
    const at = findJsonError(text);
    const hint = input.sniffed ? " (the format was sniffed: --format ndjson reads one tick per line)" : "";
    throw new InputError(`${input.label} is not valid JSON${at ? ` at line ${at.line}, column ${at.column}: ${at.reason}` : ""}${hint}`);
  };
  let i = skipWs(text, 0);
  if (i === n) throw new InputError(`${input.label} is empty`);
  if (text.charCodeAt(i) !== OPEN_ARRAY) {
    // One tick alone: the server's rules for a top-level value (an object, else refused).
    onTick(ticksOf(parse(text, fail), input.label, `the tick at line ${lines.at(i)}`, false), lines.at(i));
    return;
  }
  i = skipWs(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_ARRAY) {
    if (skipWs(text, i + 1) !== n) fail();
    return;
  }
  for (;;) {
    const end = valueEnd(text, i);
    if (end < 0) fail();
    const line = lines.at(i);
    onTick(ticksOf(parse(text.slice(i, end), fail), input.label, `the tick at line ${line}`, true), line);
    i = skipWs(text, end);
    const c = text.charCodeAt(i);
    if (c === COMMA) {
      i = skipWs(text, i + 1);
      continue;
    }
    if (c !== CLOSE_ARRAY || skipWs(text, i + 1) !== n) fail();
    return;
  }
}

function parse(text: string, fail: () => never): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail();
  }
}

/**
 * The value as the server's asTicks takes it: an array element as one tick (any value; the checks
 * reject what is not a tick), or a top-level value, which must be an object. Both within MAX_DEPTH.
 */
function ticksOf(value: unknown, label: string, where: string, element: boolean): unknown {
  try {
    return asTicks(element ? [value] : value, 1, label)[0];
  } catch (err) {
    if (err instanceof IngestError && err.code === "body.too_deep") {
      throw new InputError(`${label}: ${where} nests deeper than ${MAX_DEPTH} levels (a tick's fields are scalars); the server refuses such a body (400 body.too_deep)`);
    }
    throw new InputError((err as Error).message);
  }
}

function skipWs(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  return i;
}

/** End (exclusive) of the value starting at `i`, by brackets and strings only (JSON.parse checks the rest), or -1. */
function valueEnd(text: string, i: number): number {
  const n = text.length;
  const first = text.charCodeAt(i);
  if (first === QUOTE) return stringEnd(text, i);
  if (first === OPEN_OBJECT || first === OPEN_ARRAY) {
    let depth = 0;
    for (let j = i; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === QUOTE) {
        j = stringEnd(text, j) - 1;
        if (j < 0) return -1;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) return j + 1;
    }
    return -1;
  }
  let j = i;
  for (let c = first; j < n && c !== COMMA && c !== CLOSE_ARRAY && c !== CLOSE_OBJECT && c !== 32 && c !== 9 && c !== 10 && c !== 13; c = text.charCodeAt(++j));
  return j === i ? -1 : j;
}

/** End (exclusive) of the string whose opening quote is at `i`, or -1. */
function stringEnd(text: string, i: number): number {
  for (let from = i + 1; ; ) {
    const q = text.indexOf('"', from);
    if (q < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** 1-based line of a position, for positions asked in increasing order: each newline is found once. */
class LineCounter {
  private line = 1;
  private nextNewline: number;
  constructor(private readonly text: string) {
    this.nextNewline = text.indexOf("\n");
  }
  at(position: number): number {
    while (this.nextNewline !== -1 && this.nextNewline < position) {
      this.line++;
      this.nextNewline = this.text.indexOf("\n", this.nextNewline + 1);
    }
    return this.line;
  }
}
