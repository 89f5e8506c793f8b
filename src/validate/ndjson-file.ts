// NDJSON input: the server's own stream reader (src/ingest/decode.ts readNdjson), so lines split,
// blank lines, CRLF, a line that is not JSON (one tick, schema.unreadable) and the longest line
// allowed are exactly the server's. Streams: memory holds one batch of lines, whatever the file's size.
import { IngestError } from "../errors.ts";
import { readNdjson } from "../ingest/decode.ts";
import { InputError, type Input, type TickSink } from "./input.ts";

export async function readNdjsonFile(input: Input, onTick: TickSink): Promise<void> {
  try {
    for await (const lines of readNdjson(input.stream(), { limitBytes: Infinity, maxTicks: Infinity, batchSize: 512 })) {
      for (const l of lines) onTick(l.value, l.line, l.error);
    }
  } catch (err) {
    if (!(err instanceof IngestError)) throw err;
    if (err.code === "body.line_too_long") {
      // The reader counts ticks, not blank lines, when it refuses a line: name the tick.
      const { limit, index } = err.detail as { limit: number; index: number };
      throw new InputError(`${input.label}: the line of tick ${index + 1} (blank lines not counted) is longer than ${limit} characters; the server refuses such a stream (413 body.line_too_long)`);
    }
    throw new InputError(`${input.label}: ${err.message}`);
  }
}
