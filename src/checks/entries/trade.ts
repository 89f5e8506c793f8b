// Checks on a trade's own fields: each one parses or bounds one field (price, size, side, tradeId)
// or their product, against per-symbol thresholds.
import { field, none, value } from "../define.ts";
import { finite } from "../decimals.ts";
import { sideOf, validIdString } from "../names.ts";

/** Relative tolerance for "is a multiple of": absorbs binary rounding of decimal prices. */
const STEP_EPS = 1e-6;

function offStep(x: number, step: number): boolean {
  const r = x / step;
  return Math.abs(r - Math.round(r)) > STEP_EPS;
}

export const TRADE = [
  field({ id: "price.not_finite", severity: "reject", overridable: false, params: none, reads: ["price"], on: "trade", required: true,
    description: "price is not a finite number or decimal string (NaN, Infinity, 1e400, wrong type).",
    parse: (v, c) => (c.price = finite(v)) === c.price }),
  value({ id: "price.nonpositive", severity: "reject", overridable: true, params: none, reads: ["price"], on: "trade",
    description: "price is zero, negative or -0.",
    fires: (c) => c.price <= 0 }), // -0 <= 0 too
  value({ id: "price.out_of_bounds", severity: "reject", overridable: true, reads: ["price"], on: "trade",
    params: {
      minPrice: { default: null, type: "number|null", min: 0, ifNull: 0, description: "Lowest price accepted; null = no bound." },
      maxPrice: { default: null, type: "number|null", min: 0, ifNull: Infinity, description: "Highest price accepted; null = no bound." },
    },
    description: "price is outside [minPrice, maxPrice] (set per symbol).",
    paramRule: (v) => (typeof v.minPrice === "number" && typeof v.maxPrice === "number" && v.minPrice > v.maxPrice ? ["minPrice", "must not be above maxPrice"] : null),
    fires: (c, p) => c.price > 0 && (c.price < p.minPrice || c.price > p.maxPrice) }),
  value({ id: "price.off_tick", severity: "reject", overridable: true, reads: ["price"], on: "trade",
    params: { tickSize: { default: null, type: "number|null", min: 0, ifNull: 0, description: "Price increment; null = not checked." } },
    description: "price is not a multiple of tickSize (relative tolerance 1e-6 of a tick).",
    fires: (c, p) => p.tickSize > 0 && c.price > 0 && offStep(c.price, p.tickSize) }),
  field({ id: "size.not_finite", severity: "reject", overridable: false, params: none, reads: ["size"], on: "trade", required: true,
    description: "size is not a finite number or decimal string.",
    parse: (v, c) => (c.size = finite(v)) === c.size }),
  value({ id: "size.nonpositive", severity: "reject", overridable: true, params: none, reads: ["size"], on: "trade",
    description: "size is zero, negative or -0.",
    fires: (c) => c.size <= 0 }),
  value({ id: "size.off_lot", severity: "reject", overridable: true, reads: ["size"], on: "trade",
    params: { lotSize: { default: null, type: "number|null", min: 0, ifNull: 0, description: "Size increment; null = not checked." } },
    description: "size is not a multiple of lotSize (relative tolerance 1e-6 of a lot).",
    fires: (c, p) => p.lotSize > 0 && c.size > 0 && offStep(c.size, p.lotSize) }),
  value({ id: "size.too_large", severity: "reject", overridable: true, reads: ["size"], on: "trade",
    params: { maxSize: { default: null, type: "number|null", min: 0, ifNull: Infinity, description: "Largest trade size; null = no bound." } },
    description: "size is larger than maxSize.",
    fires: (c, p) => c.size > p.maxSize }),
  value({ id: "notional.too_large", severity: "reject", overridable: true, reads: ["price", "size"], on: "trade",
    params: { maxNotional: { default: 1e11, type: "number", min: 0, description: "Largest price × size, in quote currency (fat-finger guard)." } },
    description: "price × size is larger than maxNotional.",
    fires: (c, p) => c.price > 0 && c.size > 0 && c.price * c.size > p.maxNotional }),
  field({ id: "side.invalid", severity: "reject", overridable: false, params: none, reads: ["side"], on: "trade", required: true,
    description: "side is not \"buy\" or \"sell\" (case-insensitive).",
    parse: (v, c) => {
      const side = typeof v === "string" ? sideOf(v) : "";
      if (side === "") return false;
      c.side = side;
      return true;
    } }),
  field({ id: "tradeId.invalid", severity: "reject", overridable: false, reads: ["tradeId"], on: "trade", required: true,
    params: { maxTradeIdLength: { default: 64, type: "integer", min: 1, global: true, description: "Longest tradeId string." } },
    description: "tradeId is not a non-negative safe integer or a string of 1..maxTradeIdLength printable ASCII characters.",
    parse: (v, c, g) => {
      if (typeof v === "string") {
        if (!validIdString(v, g.maxTradeIdLength as number)) return false;
        c.tradeId = v;
        return true;
      }
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) return false;
      c.tradeId = String(v + 0); // allocates: Tick.tradeId is a string (+0 folds -0)
      return true;
    } }),
];
