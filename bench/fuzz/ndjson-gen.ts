// NDJSON body generators: good, bad and broken lines mixed with blank ones, CRLF, a missing final
// newline, lines around the 1 MiB line limit, and (rarely, they are heavy) more lines than one
// request may hold.
import { concat, utf8 } from "./bytes.ts";
import type { Made } from "./json-gen.ts";
import { mutate } from "./mutate.ts";
import type { Rand } from "./rand.ts";
import type { Tick } from "./ticks.ts";

/** Lines of good ticks (some deliberately bad, from the generator) mixed with odd lines. */
export function ndjsonMixed(r: Rand, ticks: Tick[], oddShare: number): Made {
  const eol = r.pick(["\n", "\n", "\r\n", "\n\n"]);
  const parts: Uint8Array[] = [];
  const kinds = new Set<string>();
  if (r.chance(0.05)) parts.push(Uint8Array.of(0xef, 0xbb, 0xbf)), kinds.add("BOM");
  for (const t of ticks) {
    if (r.chance(oddShare)) {
      const roll = r.int(8);
      const line = JSON.stringify(t);
      const odd =
        roll === 0 ? utf8("") :
        roll === 1 ? utf8(r.pick([" ", "\t", "\r", " \t "])) :
        roll === 2 ? mutate(r, utf8(line), r.range(1, 3)).bytes :
        roll === 3 ? utf8(line.slice(0, r.int(line.length))) :
        roll === 4 ? utf8(r.pick(["null", "42", '"x"', "[]", "{}", "true", `[${line},${line}]`])) :
        roll === 5 ? concat(utf8(line.slice(0, 10)), [0xff, 0xfe], utf8(line.slice(10))) :
        roll === 6 ? utf8(r.pick(["garbage", "{", "}", "]", "\u0000", "\u00a0"])) :
        utf8(`${line} ${line}`);
      kinds.add(["empty", "white space", "mutated", "cut", "not a tick", "bad UTF-8", "garbage", "two values"][roll]);
      parts.push(odd);
    } else {
      parts.push(utf8(JSON.stringify(t)));
    }
    parts.push(utf8(eol));
  }
  if (r.chance(0.3)) parts.pop(), kinds.add("no final newline");
  return { body: concat(...parts), note: `${ticks.length} lines, ${JSON.stringify(eol)}${kinds.size ? ", " + [...kinds].join(", ") : ""}` };
}

/** A line just under, at or over the line limit, with good lines around it. */
export function ndjsonLongLine(r: Rand, ticks: Tick[], lineLimit: number): Made {
  const len = r.pick([lineLimit - 100, lineLimit, lineLimit + 1, lineLimit + 100, 3 * lineLimit]);
  const line = r.chance(0.5) ? JSON.stringify({ ...ticks[0], note: "x".repeat(Math.max(0, len - 200)) }) : "x".repeat(len);
  const before = ticks.slice(0, r.int(3)).map((t) => JSON.stringify(t));
  const after = ticks.slice(0, r.int(3)).map((t) => JSON.stringify(t));
  return { body: utf8([...before, line, ...after].join("\n")), note: `a ${line.length}-byte line after ${before.length} lines` };
}

/** Many short lines: at the tick limit or past it (the request must then be refused, 413). */
export function ndjsonManyLines(r: Rand, maxTicks: number): Made {
  const n = maxTicks + r.pick([0, 1, 1, 5000]);
  const line = r.pick(["{}", "x", "[]", "0"]);
  return { body: utf8((line + "\n").repeat(n)), note: `${n} lines of ${line}` };
}

/** Chunk sizes to stream a body in: tiny chunks split lines and multi-byte characters. */
export function chunking(r: Rand, length: number): number[] {
  const max = r.pick([1, 3, 7, 64, 1024, 65536]);
  const chunks: number[] = [];
  for (let left = length; left > 0 && chunks.length < 4096; ) {
    const n = Math.min(left, r.range(1, max));
    chunks.push(n);
    left -= n;
  }
  const sent = chunks.reduce((a, b) => a + b, 0);
  if (sent < length) chunks.push(length - sent);
  return chunks;
}
