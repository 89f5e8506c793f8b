// The shapes a tick takes on its way through tickgate, and the one description of its fields that
// every encoding follows (the Kafka value, the Redis member and `last:` hash, the PostgreSQL row).
// The contract: docs/api.md ("Ticks", "Kafka").

export type TickType = "trade" | "quote";
export type Side = "buy" | "sell";

/** A tick after normalisation: exchange lower case, symbol `BASE-QUOTE`, ts in µs since the epoch. */
export interface Tick {
  type: TickType;
  exchange: string;
  symbol: string;
  /** µs since the Unix epoch, an integer (< 2^53, so a double holds it exactly). */
  ts: number;
  price?: number;
  size?: number;
  side?: Side;
  /** Always a string once normalised (integers are turned into their decimal text). */
  tradeId?: string;
  bid?: number;
  bidSize?: number;
  ask?: number;
  askSize?: number;
  seq?: number;
}

/** What a field holds: text, any finite number, or a safe integer. */
export type FieldKind = "string" | "number" | "integer";

export interface TickField {
  /** Its key in the `ticks.valid` value, the Redis member and the `last:` hash. */
  readonly name: keyof Tick;
  readonly kind: FieldKind;
  /** Only `seq`: a tick without one leaves the key out (never writes a null). */
  readonly optional: boolean;
  /** Its PostgreSQL column. */
  readonly column: string;
}

const field = (name: keyof Tick, kind: FieldKind, column: string = name, optional = false): TickField => ({ name, kind, optional, column });
const COMMON = [field("type", "string"), field("exchange", "string"), field("symbol", "string"), field("ts", "integer")];
const SEQ = field("seq", "integer", "seq", true);

/**
 * Each tick type's fields, in the one order every encoding writes them: the Kafka value
 * (src/kafka/encode.ts), the Redis member and `last:` hash, and the COPY columns (src/sink/). The
 * order is part of the contract: the member must be byte-identical when a tick is redelivered.
 * Where the hot path is hand-unrolled (encodeValid, decodeValid, memberOf, copyLine), a test holds
 * it to this table (test/kafka/tick-fields.test.ts); the rest is derived from it at load.
 */
export const TICK_FIELDS: { readonly [T in TickType]: readonly TickField[] } = {
  trade: [...COMMON, field("price", "number"), field("size", "number"), field("side", "string"), field("tradeId", "string", "trade_id"), SEQ],
  quote: [...COMMON, field("bid", "number"), field("bidSize", "number", "bid_size"), field("ask", "number"), field("askSize", "number", "ask_size"), SEQ],
};

/** What a `ticks.valid` value holds after the tick's fields, in this order. */
export const VALID_RECORD_EXTRAS = ["recvTs", "flags", "v"] as const;

/**
 * The routing key `exchange:symbol` of normalised parts: the Kafka key of a tick's records (one
 * partition keeps one symbol's ticks in order) and the body of its Redis keys.
 */
export function routingKeyOf(exchange: string, symbol: string): string {
  return exchange + ":" + symbol;
}

/** Schema version carried in every Kafka value as `v`. */
export const RECORD_VERSION = 1;

/** Value of a `ticks.valid` record (MessagePack): the normalised tick plus receive time and flags. */
export interface ValidRecord extends Tick {
  recvTs: number;
  flags: string[];
  v: number;
}

/** Value of a `ticks.rejected` record (MessagePack). */
export interface RejectRecord {
  v: number;
  recvTs: number;
  /** Every reject code that fired, in registry order. */
  codes: string[];
  flags: string[];
  /** Routing key `exchange:symbol` as far as it could be derived ("" when not). */
  key: string;
  /** The tick as received, before any normalisation. */
  original: unknown;
}
