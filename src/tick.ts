// The shapes a tick takes on its way through tickgate. See ../shared/DESIGN.md ("Ticks", "Kafka").

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
