// Checks on a quote's own fields: each side of the book parsed and bounded, then the book itself
// (crossed, locked, too wide).
import { field, none, value } from "../define.ts";
import { finite } from "../decimals.ts";

export const QUOTE = [
  field({ id: "bid.not_finite", severity: "reject", overridable: false, params: none, reads: ["bid"], on: "quote", required: true,
    description: "bid is not a finite number or decimal string.",
    parse: (v, c) => (c.bid = finite(v)) === c.bid }),
  value({ id: "bid.nonpositive", severity: "reject", overridable: true, params: none, reads: ["bid"], on: "quote",
    description: "bid is zero, negative or -0.",
    fires: (c) => c.bid <= 0 }),
  field({ id: "ask.not_finite", severity: "reject", overridable: false, params: none, reads: ["ask"], on: "quote", required: true,
    description: "ask is not a finite number or decimal string.",
    parse: (v, c) => (c.ask = finite(v)) === c.ask }),
  value({ id: "ask.nonpositive", severity: "reject", overridable: true, params: none, reads: ["ask"], on: "quote",
    description: "ask is zero, negative or -0.",
    fires: (c) => c.ask <= 0 }),
  field({ id: "bidSize.not_finite", severity: "reject", overridable: false, params: none, reads: ["bidSize"], on: "quote", required: true,
    description: "bidSize is not a finite number or decimal string.",
    parse: (v, c) => (c.bidSize = finite(v)) === c.bidSize }),
  value({ id: "bidSize.negative", severity: "reject", overridable: true, params: none, reads: ["bidSize"], on: "quote",
    description: "bidSize is negative (0 is allowed: an empty side).",
    fires: (c) => c.bidSize < 0 }), // -0 is not < 0: an empty side
  field({ id: "askSize.not_finite", severity: "reject", overridable: false, params: none, reads: ["askSize"], on: "quote", required: true,
    description: "askSize is not a finite number or decimal string.",
    parse: (v, c) => (c.askSize = finite(v)) === c.askSize }),
  value({ id: "askSize.negative", severity: "reject", overridable: true, params: none, reads: ["askSize"], on: "quote",
    description: "askSize is negative (0 is allowed: an empty side).",
    fires: (c) => c.askSize < 0 }),
  value({ id: "quote.crossed", severity: "reject", overridable: true, params: none, reads: ["bid", "ask"], on: "quote",
    description: "bid > ask.",
    fires: (c) => c.bid > 0 && c.bid > c.ask }),
  value({ id: "quote.locked", severity: "flag", overridable: true, params: none, reads: ["bid", "ask"], on: "quote",
    description: "bid = ask.",
    fires: (c) => c.bid > 0 && c.bid === c.ask }),
  value({ id: "spread.too_wide", severity: "reject", overridable: true, reads: ["bid", "ask"], on: "quote",
    params: { maxSpreadBps: { default: 5_000, type: "number", min: 0, description: "Widest (ask − bid) / mid, in basis points." } },
    description: "The quote's spread is wider than maxSpreadBps of the mid price.",
    // (ask - bid) / mid in bps, without dividing: 2(ask - bid)·1e4 > maxBps·(ask + bid)
    fires: (c, p) => c.bid > 0 && c.ask > c.bid && (c.ask - c.bid) * 2e4 > p.maxSpreadBps * (c.ask + c.bid) }),
];
