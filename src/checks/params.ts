// Thresholds in the form the hot path reads them: one class (one hidden class, so every read is
// monomorphic), units converted once (ms → µs, % → fraction), "no bound" as ±Infinity or 0.
import { CHECKS, type ParamSpec } from "./registry.ts";

/** Flat parameter name → its spec (names are unique across checks; checked at load). */
export const PARAM_SPECS: ReadonlyMap<string, ParamSpec> = (() => {
  const m = new Map<string, ParamSpec>();
  for (const c of CHECKS) {
    for (const [name, spec] of Object.entries(c.params)) {
      if (m.has(name)) throw new Error(`registry: parameter ${name} declared twice`);
      m.set(name, spec);
    }
  }
  return m;
})();

/** Raw parameter values as written in config (null = no bound). */
export type RawParams = Record<string, number | null | readonly string[]>;

export function defaultRawParams(): RawParams {
  const out: RawParams = {};
  for (const [name, spec] of PARAM_SPECS) out[name] = spec.default;
  return out;
}

const num = (v: unknown, ifNull: number): number => (v === null || v === undefined ? ifNull : (v as number));

/** Per exchange:symbol thresholds. */
export class Params {
  readonly maxClockSkewUs: number;
  readonly maxAgeUs: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  readonly tickSize: number;
  readonly lotSize: number;
  readonly maxSize: number;
  readonly maxNotional: number;
  readonly maxSpreadBps: number;
  readonly maxBackwardsUs: number;
  readonly maxJump: number;
  readonly spikeReanchorAfter: number;
  readonly outlierK: number;
  readonly outlierGamma: number;
  readonly outlierMinSamples: number;
  readonly sizeSpikeK: number;
  readonly sizeSpikeMinSamples: number;
  readonly spreadSpikeK: number;
  readonly spreadSpikeMinSamples: number;
  readonly maxQuoteAgeUs: number;
  readonly maxStaleUs: number;
  /** Tokens per µs. */
  readonly burstRate: number;
  readonly burstCapacity: number;

  constructor(r: RawParams) {
    this.maxClockSkewUs = num(r.maxClockSkewMs, 0) * 1000;
    this.maxAgeUs = num(r.maxAgeMs, 0) * 1000;
    this.minPrice = num(r.minPrice, 0);
    this.maxPrice = num(r.maxPrice, Infinity);
    this.tickSize = num(r.tickSize, 0);
    this.lotSize = num(r.lotSize, 0);
    this.maxSize = num(r.maxSize, Infinity);
    this.maxNotional = num(r.maxNotional, Infinity);
    this.maxSpreadBps = num(r.maxSpreadBps, Infinity);
    this.maxBackwardsUs = num(r.maxBackwardsMs, 0) * 1000;
    this.maxJump = num(r.maxJumpPct, Infinity) / 100;
    this.spikeReanchorAfter = num(r.spikeReanchorAfter, 0);
    this.outlierK = num(r.outlierK, Infinity) * 1.4826; // MAD → σ of a normal
    this.outlierGamma = num(r.outlierGammaBps, 0) / 1e4;
    this.outlierMinSamples = num(r.outlierMinSamples, 1);
    this.sizeSpikeK = num(r.sizeSpikeK, Infinity);
    this.sizeSpikeMinSamples = num(r.sizeSpikeMinSamples, 1);
    this.spreadSpikeK = num(r.spreadSpikeK, Infinity);
    this.spreadSpikeMinSamples = num(r.spreadSpikeMinSamples, 1);
    this.maxQuoteAgeUs = num(r.maxQuoteAgeMs, 0) * 1000;
    this.maxStaleUs = num(r.maxStaleMs, Infinity) * 1000;
    this.burstRate = num(r.burstMaxPerSec, Infinity) / 1e6;
    this.burstCapacity = num(r.burstCapacity, Infinity);
  }
}

/** Thresholds read before the tick's exchange and symbol are known (only settable in `defaults`). */
export class GlobalParams {
  readonly maxFields: number;
  readonly maxTickBytes: number;
  readonly maxStringLength: number;
  readonly maxTradeIdLength: number;
  /** null = any. */
  readonly allowedExchanges: ReadonlySet<string> | null;
  readonly allowedSymbols: ReadonlySet<string> | null;

  constructor(r: RawParams) {
    this.maxFields = num(r.maxFields, 32);
    this.maxTickBytes = num(r.maxTickBytes, 16384);
    this.maxStringLength = num(r.maxStringLength, 256);
    this.maxTradeIdLength = num(r.maxTradeIdLength, 64);
    const ex = (r.allowedExchanges ?? []) as readonly string[];
    const sy = (r.allowedSymbols ?? []) as readonly string[];
    this.allowedExchanges = ex.length ? new Set(ex) : null;
    this.allowedSymbols = sy.length ? new Set(sy) : null;
  }
}
