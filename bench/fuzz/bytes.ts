// Small byte helpers shared by the generators, the reference model and the report.
const encoder = new TextEncoder();

export const utf8 = (s: string): Uint8Array => encoder.encode(s);

export function concat(...parts: (Uint8Array | string | number[])[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? utf8(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** Big-endian unsigned integer of `width` bytes (MessagePack headers). */
export function be(value: number, width: 1 | 2 | 4 | 8): number[] {
  const out: number[] = [];
  for (let i = width - 1; i >= 0; i--) out.push(Math.floor(value / 2 ** (8 * i)) & 0xff);
  return out;
}

/** First bytes as hex, for a failure's preview. */
export function hexPreview(bytes: Uint8Array, max = 48): string {
  const head = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.length > max ? `${head} … (${bytes.length} bytes)` : head;
}

/** First characters as text with control bytes escaped, for a failure's preview. */
export function textPreview(bytes: Uint8Array | string, max = 120): string {
  const text = typeof bytes === "string" ? bytes.slice(0, max * 2) : new TextDecoder().decode(bytes.subarray(0, max * 2));
  const shown = JSON.stringify(text.slice(0, max)).slice(1, -1);
  const total = typeof bytes === "string" ? bytes.length : bytes.length;
  return total > max ? `${shown}… (${total} ${typeof bytes === "string" ? "chars" : "bytes"})` : shown;
}
