// One tick through the checks exactly as the server takes it: the main thread packs each decoded
// tick into a ring record (src/ingest/enqueue.ts), the worker unpacks it and validates it with the
// record's size as the tick's encoded size (src/ingest/validator/collector.ts). Doing the same round
// trip here keeps every verdict equal to the server's, tick.too_large and MessagePack's
// normalisations (-0, lone surrogates) included; only a flat tick that the trip provably leaves as
// it is skips it (flatSizeBound; test/validate/verdict.test.ts holds the two paths equal). One
// Validator owns every symbol: the state is per symbol, so which worker a symbol would hash to
// changes nothing.
import { type ChecksConfig, Validator, type ValidationResult } from "../checks/index.ts";
import { packTick, tickPackr, tickUnpackr } from "../ingest/tick-msgpack.ts";
import type { Clock } from "./clock.ts";

/** The codes of an NDJSON line that is not JSON: the worker rejects it without running the checks. */
const UNREADABLE: ValidationResult = { ok: false, tick: null, rejects: ["schema.unreadable"], flags: [] };

export class Verdicts {
  readonly validator: Validator;
  // The pool's packing (enqueue.ts) and the worker's unpacking (workers/validator.ts).
  private readonly packr = tickPackr();
  private readonly unpackr = tickUnpackr();

  constructor(config: ChecksConfig, maxSymbols: number, private readonly clock: Clock) {
    this.validator = new Validator(config, { maxSymbols });
  }

  /** The verdict on one decoded tick (any value). Reused between calls: read it before the next. */
  of(value: unknown): ValidationResult {
    const validator = this.validator;
    // A flat tick comes back from the round trip as it went in, and its size only matters past
    // maxTickBytes: one small enough to be sure of is judged as it is, without packing (0 = size unknown).
    const bound = flatSizeBound(value);
    if (bound >= 0 && bound <= validator.maxTickBytes) return validator.validate(value, this.clock.at(value), 0);
    const payload = packTick(this.packr, value);
    if (payload.length > validator.maxTickBytes) return validator.validate(null, this.clock.at(null), payload.length);
    if (bound >= 0) return validator.validate(value, this.clock.at(value), payload.length);
    let tick: unknown;
    try {
      tick = this.unpackr.unpack(payload);
    } catch {
      tick = undefined;
    }
    // The worker reads an undefined record value (MessagePack's undefined extension) as unreadable.
    if (tick === undefined) return UNREADABLE;
    return validator.validate(tick, this.clock.at(tick), payload.length);
  }

  /** The verdict on an NDJSON line that did not parse. */
  unreadable(): ValidationResult {
    return UNREADABLE;
  }
}

/**
 * An upper bound of the MessagePack size of `value` when unpack(pack(value)) is a copy of it the
 * checks cannot tell apart, else -1. Such a value is a plain object whose keys and values are
 * well-formed strings (no lone surrogate, which UTF-8 cannot carry), numbers other than -0 (packed
 * as the integer 0), booleans or null; keys msgpackr treats specially (__proto__, constructor) and
 * anything nested take the full round trip. The bound: 5 header bytes per map, string and number
 * (float64 takes 9 in all), at most 3 UTF-8 bytes per UTF-16 unit. What a JSON or MessagePack feed
 * sends is almost always such a tick.
 */
export function flatSizeBound(value: unknown): number {
  if (typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype) return -1;
  let bound = 5;
  for (const key in value) {
    if (key === "__proto__" || key === "constructor" || !key.isWellFormed()) return -1;
    const v = (value as Record<string, unknown>)[key];
    bound += 5 + 3 * key.length;
    switch (typeof v) {
      case "string":
        if (!v.isWellFormed()) return -1;
        bound += 5 + 3 * v.length;
        break;
      case "number":
        if (v === 0 && 1 / v < 0) return -1;
        bound += 9;
        break;
      case "boolean":
        bound += 1;
        break;
      default:
        if (v !== null) return -1;
        bound += 1;
    }
  }
  return bound;
}
