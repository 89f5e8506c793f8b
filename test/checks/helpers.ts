// Shared fixtures for the checks tests: a fixed "now", tick builders, and a codes() shortcut.
import { pack } from "msgpackr";
import { Validator, loadChecksConfig, type ChecksConfigSource } from "../../src/checks/index.ts";

/** 2026-01-01T00:00:00Z in µs: receive time of every test tick unless a test says otherwise. */
export const NOW = 1_767_225_600_000_000;
export const MS = 1000; // µs per ms
export const S = 1_000_000; // µs per s

export type Raw = Record<string, unknown>;

export const trade = (over: Raw = {}): Raw => ({
  type: "trade", exchange: "binance", symbol: "ETH-USDT", ts: NOW, price: 100, size: 1, side: "buy", tradeId: "a1", ...over,
});

export const quote = (over: Raw = {}): Raw => ({
  type: "quote", exchange: "binance", symbol: "ETH-USDT", ts: NOW, bid: 100, bidSize: 1, ask: 100.5, askSize: 1, ...over,
});

export function validator(src: ChecksConfigSource | object = {}, maxSymbols?: number): Validator {
  return new Validator(loadChecksConfig(src), { maxSymbols });
}

/** A tick's MessagePack size, as a validator worker sees it (0 when it cannot be encoded). */
export function encodedSize(raw: unknown): number {
  try {
    return pack(raw).length;
  } catch {
    return 0;
  }
}

/** Every code (rejects then flags) one tick fires on a fresh validator, or on `v` when given. */
export function codes(raw: unknown, src: object = {}, v: Validator = validator(src), now = NOW): string[] {
  const r = v.validate(raw, now, encodedSize(raw));
  return [...r.rejects, ...r.flags];
}

/** Omits keys from an object (to build "missing field" ticks). */
export function without(o: Raw, ...keys: string[]): Raw {
  const out = { ...o };
  for (const k of keys) delete out[k];
  return out;
}
