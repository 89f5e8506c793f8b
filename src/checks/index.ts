// Public surface of the validation engine (pure TS, no I/O besides reading the config file).
//   CHECKS            the registry table (GET /v1/checks, docs/checks.md)
//   loadChecksConfig  validated, compiled thresholds; throws ConfigError naming the bad key
//   Validator         one per worker: validate(raw, recvTsUs) → reused ValidationResult
//   routingKey        normalised "exchange:symbol" for picking the worker that owns a symbol
import { exchangeOf, symbolOf } from "./parse.ts";

export { CHECKS, CHECK_INDEX, type CheckSpec, type ParamSpec, type ParamType, type Severity } from "./registry.ts";
export { ChecksConfig, loadChecksConfig, validateSource, type CheckSetting, type ChecksConfigSource } from "./config.ts";
export { ConfigError } from "./errors.ts";
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
    return ex !== "" && sym !== "" ? `${ex}:${sym}` : "";
  } catch {
    return "";
  }
}
