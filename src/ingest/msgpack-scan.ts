// A bounded structural pre-scan of a MessagePack body, run before msgpackr builds it: msgpackr
// trusts announced counts (an array32 of 4M empty maps builds 4M objects; a nested array32 header
// preallocates 2^31 slots), so hostile counts and nesting are refused here in O(bytes) time, walking
// the bytes by index with no allocation per element and no recursion.

/** Why a body was refused; `at` is the offset of the offending byte. */
export type Problem =
  | { kind: "too_many_ticks"; count: number }
  | { kind: "too_deep" }
  | { kind: "malformed"; at: number; reason: string };

/**
 * Bytes that follow a token whose whole size the token tells (nil, bools, ints, floats, fixstr);
 * -1 for the tokens that need a closer look (containers, str/bin/ext, 0xc1).
 */
const FIXED = new Int8Array(256).fill(-1);
FIXED.fill(0, 0x00, 0x80); // positive fixint
FIXED.fill(0, 0xe0, 0x100); // negative fixint
for (let t = 0xa0; t < 0xc0; t++) FIXED[t] = t - 0xa0; // fixstr
FIXED[0xc0] = FIXED[0xc2] = FIXED[0xc3] = 0; // nil, false, true
FIXED[0xca] = 4; // float32
FIXED[0xcb] = 8; // float64
FIXED[0xcc] = FIXED[0xd0] = 1; // uint8, int8
FIXED[0xcd] = FIXED[0xd1] = 2; // uint16, int16
FIXED[0xce] = FIXED[0xd2] = 4; // uint32, int32
FIXED[0xcf] = FIXED[0xd3] = 8; // uint64, int64

/**
 * Extension types msgpackr decodes from their own payload: undefined (0), BigInt (0x42), typed
 * arrays (0x74), timestamp (-1). Its other built-in types read values *after* the payload (records
 * 0x72, Set, Error, RegExp, bundled strings, structured-clone ids), so msgpackr would build a shape
 * this scan never saw; every other type it refuses anyway ("Unknown extension").
 */
const EXT_OK = new Uint8Array(256);
EXT_OK[0x00] = EXT_OK[0x42] = EXT_OK[0x74] = EXT_OK[0xff] = 1;

// The open containers, innermost last: items still to read (a map's keys and values both count).
// Reused across calls and grown only as deep as a body really nests; safe to share because a scan
// runs to the end without yielding.
let left = new Float64Array(16);
let isMap = new Uint8Array(16);

const u16 = (b: Uint8Array, p: number) => (b[p] << 8) | b[p + 1];
const u32 = (b: Uint8Array, p: number) => b[p] * 0x1000000 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
const malformed = (at: number, reason: string): Problem => ({ kind: "malformed", at, reason });
const hex = (t: number) => `0x${t.toString(16).padStart(2, "0")}`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Walks one MessagePack value's structure without building it. Returns null if it is well-formed
 * within the bounds, else the first Problem in byte order. Depth counts containers as the decoder's
 * post-check does: the top-level array or map is level 1, a tick in it level 2, and so on. Map keys
 * must not be arrays or maps (the decoder turns maps into objects, where such a key throws anyway).
 */
export function scanMsgpack(bytes: Uint8Array, maxTicks: number, maxDepth: number): Problem | null {
  const end = bytes.length;
  if (end === 0) return malformed(0, "unexpected end of data");

  // The tick count first, so a body announcing millions of ticks costs O(1), not a walk.
  const top = bytes[0];
  const count = top >= 0x90 && top <= 0x9f ? top & 0x0f : top === 0xdc && end >= 3 ? u16(bytes, 1) : top === 0xdd && end >= 5 ? u32(bytes, 1) : -1;
  if (count > maxTicks) return { kind: "too_many_ticks", count };

  let pos = 0;
  let depth = 0;
  do {
    if (pos >= end) return malformed(pos, "unexpected end of data");
    const at = pos;
    const t = bytes[pos++];
    if (depth > 0) left[depth - 1]--;

    const fixed = FIXED[t];
    if (fixed >= 0) {
      if (fixed > end - pos) return malformed(at, `truncated value (${fixed} bytes needed, ${end - pos} left)`);
      pos += fixed;
    } else if (t === 0xc1) {
      return malformed(at, "reserved byte 0xc1");
    } else {
      // n: a container's count or a str/bin/ext payload's length.
      let n: number;
      let container = 0; // 0 none, 1 array, 2 map: also the least bytes one element takes
      if (t <= 0x8f) {
        n = t & 0x0f;
        container = 2;
      } else if (t <= 0x9f) {
        n = t & 0x0f;
        container = 1;
      } else if (t >= 0xd4 && t <= 0xd8) {
        n = 1 << (t - 0xd4); // fixext 1, 2, 4, 8, 16
      } else {
        // The length or count follows the token in 1, 2 or 4 big-endian bytes.
        const width = t === 0xc4 || t === 0xc7 || t === 0xd9 ? 1 : t === 0xc5 || t === 0xc8 || t === 0xda || t === 0xdc || t === 0xde ? 2 : 4;
        if (width > end - pos) return malformed(at, `truncated header (${width} bytes needed, ${end - pos} left)`);
        n = width === 1 ? bytes[pos] : width === 2 ? u16(bytes, pos) : u32(bytes, pos);
        pos += width;
        if (t >= 0xdc) container = t <= 0xdd ? 1 : 2;
      }
      if (container !== 0) {
        const what = container === 1 ? "array" : "map";
        // A map's items alternate key, value: a key was due if an odd number is left after it.
        if (depth > 0 && isMap[depth - 1] === 1 && left[depth - 1] % 2 === 1) {
          return malformed(at, `map key is ${container === 1 ? "an array" : "a map"}`);
        }
        // Every element takes at least a byte, every map entry two: a count the rest cannot hold
        // is refused before anything is walked (or, later, allocated) for it.
        if (n * container > end - pos) {
          return malformed(at, `${what} of ${container === 1 ? plural(n, "element", "elements") : plural(n, "entry", "entries")} cannot fit in the ${plural(end - pos, "byte", "bytes")} left`);
        }
        if (depth >= maxDepth) return { kind: "too_deep" };
        if (n > 0) {
          if (depth === left.length) grow();
          left[depth] = n * container;
          isMap[depth] = container - 1;
          depth++;
        }
      } else {
        const ext = (t >= 0xc7 && t <= 0xc9) || (t >= 0xd4 && t <= 0xd8);
        if (ext) {
          if (pos >= end) return malformed(at, "truncated header (extension type missing)");
          if (EXT_OK[bytes[pos]] === 0) return malformed(at, `extension type ${hex(bytes[pos])} is not accepted`);
          pos++;
        }
        if (n > end - pos) {
          const what = ext ? "extension" : t >= 0xc4 && t <= 0xc6 ? "binary" : "string";
          return malformed(at, `${what} of ${plural(n, "byte", "bytes")} runs past the end (${end - pos} left)`);
        }
        pos += n;
      }
    }
    while (depth > 0 && left[depth - 1] === 0) depth--;
  } while (depth > 0);

  if (pos !== end) return malformed(pos, `${plural(end - pos, "trailing byte", "trailing bytes")} after the value`);
  return null;
}

/** Doubles the container stack: only a body nesting deeper than any before pays for it. */
function grow(): void {
  const l = new Float64Array(left.length * 2);
  const m = new Uint8Array(isMap.length * 2);
  l.set(left);
  m.set(isMap);
  left = l;
  isMap = m;
}
