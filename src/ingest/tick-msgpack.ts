// The MessagePack every reader of a received tick uses: the body decoder (decode.ts), the pool
// packing each tick into its ring record (enqueue.ts), the validator worker unpacking it
// (workers/validator.ts) and `bun run validate` (src/validate/), so a tick means the same wherever
// it is decoded. Maps become plain objects (the checks read fields by name), 64-bit integers
// numbers; msgpackr's record extension is off (standard MessagePack only).
import { Packr, Unpackr } from "msgpackr";

export const tickPackr = () => new Packr({ useRecords: false });
export const tickUnpackr = () => new Unpackr({ mapsAsObjects: true, useRecords: false, int64AsType: "number" });

/**
 * A received tick as its ring payload. A value MessagePack cannot encode is not reachable from JSON
 * or MessagePack input, but a bug must not crash the request: it becomes a marker the worker rejects
 * instead of the tick being lost.
 */
export function packTick(packr: Packr, value: unknown): Uint8Array {
  try {
    return packr.pack(value);
  } catch {
    return packr.pack(["(unencodable value)", "value could not be encoded"]);
  }
}
