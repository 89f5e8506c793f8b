// Checks on the shape of the decoded value and on the tick type: hostile input is refused here,
// before any field is parsed. None can be turned off: without them there is no usable tick.
import { field, guard, none, shape } from "../define.ts";
import { kindOf } from "../names.ts";

/** Counts own enumerable keys, stopping at the limit (a 1M-key object costs max+1 steps). for-in over a shape seen before reuses JSC's cached enumerator: no allocation. */
function fieldCountOk(o: object, max: number): boolean {
  let n = 0;
  for (const _ in o) if (++n > max) return false;
  return true;
}

export const SCHEMA = [
  guard({ id: "schema.unreadable", severity: "reject", overridable: false, params: none, reads: [],
    description: "Reading the tick threw (a getter or proxy from an exotic decoder); never fires for JSON or MessagePack input." }),
  // Arrays, Maps, Dates, byte arrays and class instances are not ticks; JSON/msgpack maps are plain.
  shape({ id: "schema.not_object", severity: "reject", overridable: false, params: none, reads: [],
    description: "The tick is not a plain object (null, a primitive, an array, a Map, a Date, bytes).",
    fires: (o) => {
      if (typeof o !== "object" || o === null) return true;
      const proto = Object.getPrototypeOf(o);
      return proto !== Object.prototype && proto !== null;
    } }),
  shape({ id: "schema.too_many_fields", severity: "reject", overridable: false, reads: [],
    params: { maxFields: { default: 32, type: "integer", min: 1, global: true, description: "Most own enumerable keys a tick may have; counting stops at the limit." } },
    description: "The tick has more keys than maxFields (hostile input); nothing else is read.",
    fires: (o, g) => !fieldCountOk(o as object, g.maxFields as number) }), // a plain object: schema.not_object ran first
  guard({ id: "tick.too_large", severity: "reject", overridable: false, reads: [],
    params: { maxTickBytes: { default: 16384, type: "integer", min: 256, max: 262144, global: true, description: "Largest tick, in bytes of its MessagePack encoding (as it crosses to the validator); bounds every Kafka record tickgate writes." } },
    description: "The tick's encoding is larger than maxTickBytes (a tick is a few hundred bytes; unknown fields count too); nothing else is read, and its reject record keeps a digest of it instead of the tick." }),
  guard({ id: "schema.string_too_long", severity: "reject", overridable: false, reads: [],
    params: { maxStringLength: { default: 256, type: "integer", min: 8, global: true, description: "Longest string accepted in any field that is read." } },
    description: "A string field is longer than maxStringLength; that field is not parsed further." }),
  guard({ id: "schema.missing_field", severity: "reject", overridable: false, params: none, reads: [],
    description: "A field required for the tick's type is absent or null (common: type, exchange, symbol, ts; trade: price, size, side, tradeId; quote: bid, bidSize, ask, askSize)." }),
  // First of the field checks: the type decides which fields are read next.
  field({ id: "type.unknown", severity: "reject", overridable: false, params: none, reads: ["type"], required: true,
    description: "type is not \"trade\" or \"quote\" (case-insensitive).",
    parse: (v, c) => typeof v === "string" && (c.kind = kindOf(v)) !== 0 }),
];
