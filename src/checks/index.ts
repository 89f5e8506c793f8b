// Public surface of the validation engine (pure TS, no I/O besides reading the config file).
//   CHECKS            the registry's public view (GET /v1/checks, docs/checks.md)
//   createRegistry    a registry from check entries (the built-in one is REGISTRY)
//   loadChecksConfig  validated, compiled thresholds; throws ConfigError naming the bad key
//   Validator         one per worker: validate(raw, recvTsUs) → reused ValidationResult
//   routingKey        normalised "exchange:symbol" for picking the worker that owns a symbol
import { exchangeOf, symbolOf } from "./names.ts";
import { routingKeyOf } from "../tick.ts";

export { CHECKS, CHECK_ENTRIES, CHECK_INDEX, REGISTRY, createRegistry, type CheckSpec, type Registry } from "./registry.ts";
export { field, guard, history, none, sequence, shape, value, type CheckEntry, type ParamSpec, type ParamType, type Severity } from "./define.ts";
export { ChecksConfig, ConfigError, loadChecksConfig, validateSource, type CheckSetting, type ChecksConfigSource } from "./checks-config.ts";
export { Validator, type ValidationResult, type ValidatorStats } from "./validator.ts";
export { BYTES_PER_SYMBOL, DEFAULT_MAX_SYMBOLS } from "./state.ts";

/**
 * `exchange:symbol` normalised exactly as validate() does (e.g. "binance:BTC-USDT" for
 * {exchange: "Binance", symbol: "btc/usdt"}), or "" when either is missing or malformed.
 * Never throws. Allocates the joined string (main thread, once per tick).
 */
export function routingKey(raw: unknown): string {
  if (typeof raw !== "object" || raw === null) return "";
  try {
    const { exchange, symbol } = raw as { exchange?: unknown; symbol?: unknown };
    if (typeof exchange !== "string" || typeof symbol !== "string") return "";
    const ex = exchangeOf(exchange);
    const sym = symbolOf(symbol);
    return ex !== "" && sym !== "" ? routingKeyOf(ex, sym) : "";
  } catch {
    return "";
  }
}
