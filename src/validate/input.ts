// The file `bun run validate` reads: a path or "-" (stdin), its format (by extension, else sniffed
// from its first bytes, unless --format says), and the two ways to read it: as a stream (NDJSON, in
// bounded memory) or whole, up to --max-bytes (JSON and MessagePack). Every way it can fail is an
// InputError whose message names the file (exit 2).
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { joinChunks } from "../ingest/decode.ts";

export type Format = "ndjson" | "json" | "msgpack";
export const FORMATS: readonly Format[] = ["ndjson", "json", "msgpack"];

const BY_EXTENSION: Record<string, Format> = { ndjson: "ndjson", jsonl: "ndjson", json: "json", msgpack: "msgpack", mpk: "msgpack" };

/** Bytes looked at to sniff a format: enough for the first line of any real tick. */
const PEEK_BYTES = 64 * 1024;

export class InputError extends Error {
  readonly name = "InputError";
}

type Reader = ReadableStreamDefaultReader<Uint8Array>;

export class Input {
  /** Chunks read from `reader` to sniff the format: they are replayed before the rest. */
  private peeked: Uint8Array[] = [];
  private reader: Reader | null = null;

  constructor(
    /** The path as given, "-" for stdin. */
    readonly path: string,
    /** The file's stat, null for stdin. */
    private readonly stat: Stats | null,
    public format: Format = "ndjson",
    /** The format came from the first bytes (an error then suggests --format). */
    public sniffed = false,
  ) {}

  /** How messages name it. */
  get label(): string {
    return this.path === "-" ? "stdin" : this.path;
  }

  private get regular(): boolean {
    return this.stat?.isFile() === true;
  }

  private open(): Reader {
    const source = this.path === "-" ? Bun.stdin.stream() : Bun.file(this.path).stream();
    return source.getReader() as Reader;
  }

  /** Up to PEEK_BYTES of the start (stops early at a newline after content), for sniffing. */
  async head(): Promise<{ bytes: Uint8Array; complete: boolean }> {
    if (this.regular) {
      const bytes = await Bun.file(this.path).slice(0, PEEK_BYTES).bytes();
      return { bytes, complete: this.stat!.size <= PEEK_BYTES };
    }
    // A pipe cannot be read twice: keep what was read for stream() and bytes().
    this.reader = this.open();
    let size = 0;
    for (;;) {
      const chunk = await this.reader.read();
      if (chunk.done) return { bytes: joinChunks(this.peeked, size), complete: true };
      this.peeked.push(chunk.value);
      size += chunk.value.byteLength;
      if (size >= PEEK_BYTES || chunk.value.includes(0x0a)) return { bytes: joinChunks(this.peeked, size), complete: false };
    }
  }

  /** The whole input as a stream (read once). */
  stream(): ReadableStream<Uint8Array> {
    const reader = this.reader ?? this.open();
    const peeked = this.peeked.splice(0);
    return new ReadableStream<Uint8Array>({
      async pull(c) {
        const next = peeked.shift();
        if (next) return c.enqueue(next);
        const chunk = await reader.read();
        if (chunk.done) c.close();
        else c.enqueue(chunk.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }

  /** The whole input in memory; an InputError past `maxBytes` (before reading, for a regular file). */
  async bytes(maxBytes: number): Promise<Uint8Array> {
    const over = () => new InputError(`${this.label} is over --max-bytes ${maxBytes} (${this.format} input is read whole; NDJSON streams)`);
    if (this.regular && this.peeked.length === 0 && this.reader === null) {
      if (this.stat!.size > maxBytes) throw over();
      return await Bun.file(this.path).bytes();
    }
    const reader = this.stream().getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return joinChunks(chunks, size);
      size += chunk.value.byteLength;
      if (size > maxBytes) {
        reader.cancel().catch(() => {});
        throw over();
      }
      chunks.push(chunk.value);
    }
  }
}

/**
 * Opens `path` ("-" = stdin) and settles its format: `format` if given, else the extension, else
 * sniffed. Throws InputError for a missing, unreadable or directory path.
 */
export async function openInput(path: string, format?: Format): Promise<Input> {
  let stat: Stats | null = null;
  if (path !== "-") {
    try {
      stat = statSync(path);
      if (stat.isDirectory()) throw new InputError(`${path} is a directory`);
      accessSync(path, constants.R_OK);
    } catch (err) {
      if (err instanceof InputError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw new InputError(`${path} cannot be read: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (err as Error).message}`);
    }
  }
  const input = new Input(path, stat);
  const byName = path === "-" ? undefined : BY_EXTENSION[path.slice(path.lastIndexOf(".") + 1).toLowerCase()];
  if (format ?? byName) {
    input.format = (format ?? byName)!;
    return input;
  }
  const { bytes, complete } = await input.head();
  input.format = sniffFormat(bytes, complete);
  input.sniffed = true;
  return input;
}

/**
 * The format of a file from its first bytes: a MessagePack map or array header → msgpack; text
 * starting with `[` → json; `{` whose first line is not a whole JSON value (a pretty-printed tick) →
 * json; anything else (one JSON value per line, or nothing) → ndjson. `complete`: `head` is the
 * whole file.
 */
export function sniffFormat(head: Uint8Array, complete: boolean): Format {
  if (head.length === 0) return "ndjson";
  const b = head[0]!;
  if ((b >= 0x80 && b <= 0x9f) || (b >= 0xdc && b <= 0xdf)) return "msgpack";
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0; // a UTF-8 byte order mark
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (head[i] === 0x5b) return "json";
  if (head[i] !== 0x7b) return "ndjson";
  const nl = head.indexOf(0x0a, i);
  if (nl === -1 && !complete) return "ndjson"; // a first line longer than the peek: not pretty-printed
  try {
    JSON.parse(new TextDecoder().decode(head.subarray(i, nl === -1 ? head.length : nl)));
    return "ndjson";
  } catch {
    return "json";
  }
}

/**
 * Where a reader hands each tick, in file order: the decoded value, where it starts (1-based line,
 * or byte offset for MessagePack), and for an NDJSON line that is not JSON the parse error.
 */
export type TickSink = (value: unknown, at: number, unreadable?: string) => void;
