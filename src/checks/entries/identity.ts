// Checks on what every tick carries: which exchange and symbol it is for, when it happened, and its
// optional sequence number.
import { field, none, value } from "../define.ts";
import { uint } from "../decimals.ts";
import { exchangeOf, symbolOf } from "../names.ts";
import { tsFromNumber, tsFromString } from "../timestamps.ts";

export const IDENTITY = [
  field({ id: "exchange.invalid", severity: "reject", overridable: false, params: none, reads: ["exchange"], required: true,
    description: "exchange is not 1-32 characters of [A-Za-z0-9._-] starting with a letter or digit.",
    parse: (v, c) => typeof v === "string" && (c.exchange = exchangeOf(v)) !== "" }),
  value({ id: "exchange.not_allowed", severity: "reject", overridable: true, reads: ["exchange"],
    params: { allowedExchanges: { default: [], type: "string[]", items: "exchange", global: true, description: "Exchanges accepted (normalised, lower case); empty = any." } },
    description: "exchange is not in allowedExchanges.",
    fires: (c, p) => p.allowedExchanges !== null && c.exchange !== "" && !p.allowedExchanges.has(c.exchange) }),
  field({ id: "symbol.invalid", severity: "reject", overridable: false, params: none, reads: ["symbol"], required: true,
    description: "symbol is not BASE-QUOTE, BASE/QUOTE or BASE_QUOTE with each side 1-24 characters of [A-Za-z0-9].",
    parse: (v, c) => typeof v === "string" && (c.symbol = symbolOf(v)) !== "" }),
  value({ id: "symbol.not_allowed", severity: "reject", overridable: true, reads: ["symbol"],
    params: { allowedSymbols: { default: [], type: "string[]", items: "symbol", global: true, description: "Symbols accepted (normalised BASE-QUOTE); empty = any." } },
    description: "symbol is not in allowedSymbols.",
    fires: (c, p) => p.allowedSymbols !== null && c.symbol !== "" && !p.allowedSymbols.has(c.symbol) }),
  field({ id: "ts.invalid", severity: "reject", overridable: false, params: none, reads: ["ts"], required: true,
    description: "ts is not a positive epoch ms/µs/ns number (told apart by magnitude), a string of digits, or an ISO-8601 date-time with a time zone.",
    parse: (v, c) => (c.ts = typeof v === "number" ? tsFromNumber(v) : typeof v === "string" ? tsFromString(v) : NaN) === c.ts }),
  value({ id: "ts.future", severity: "reject", overridable: true, reads: ["ts"],
    params: { maxClockSkewMs: { default: 5_000, type: "number", min: 0, derived: { maxClockSkewUs: (ms) => ms * 1000 }, description: "How far ts may be ahead of the receive time." } },
    description: "ts is later than the receive time plus maxClockSkewMs.",
    fires: (c, p) => c.ts > c.now + p.maxClockSkewUs }),
  value({ id: "ts.too_old", severity: "reject", overridable: true, reads: ["ts"],
    params: { maxAgeMs: { default: 3_600_000, type: "number", min: 0, derived: { maxAgeUs: (ms) => ms * 1000 }, description: "How far ts may be behind the receive time." } },
    description: "ts is earlier than the receive time minus maxAgeMs.",
    fires: (c, p) => c.ts < c.now - p.maxAgeUs }),
  field({ id: "seq.invalid", severity: "reject", overridable: true, params: none, reads: ["seq"], required: false,
    description: "seq is present but not a non-negative safe integer (number or digit string).",
    parse: (v, c) => (c.seq = uint(v)) === c.seq }),
];
