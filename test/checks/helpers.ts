// Shared fixtures for the checks tests: a fixed "now", tick builders, and a codes() shortcut.
import { expect, test } from "bun:test";
import { pack } from "msgpackr";
import { CHECKS, Validator, loadChecksConfig, type ChecksConfigSource } from "../../src/checks/index.ts";

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

/** A check's boundary cases: inputs it must not fire on and inputs it must, under `cfg` when given. */
export interface BoundaryRow<T> {
  pass: T[];
  fail: T[];
  cfg?: object;
}

/**
 * One test per registry entry of the stateful or stateless kind, so a check without a row in `rows`
 * fails the suite under its own id; and a test that every row names such a check. `codesOf` runs
 * one case (a tick, or a sequence of ticks) and returns the codes it fired.
 */
export function boundaryTests<T>(stateful: boolean, rows: Record<string, BoundaryRow<T>>, file: string, codesOf: (input: T, cfg: object | undefined) => string[]): void {
  const checks = CHECKS.filter((c) => c.stateful === stateful);
  for (const check of checks) {
    test(check.id, () => {
      const row = rows[check.id];
      expect(row, `${check.id} has no boundary row in ${file}`).toBeDefined();
      expect(row!.pass.length, check.id).toBeGreaterThan(0);
      expect(row!.fail.length, check.id).toBeGreaterThan(0);
      for (const input of row!.pass) expect(codesOf(input, row!.cfg)).not.toContain(check.id);
      for (const input of row!.fail) expect(codesOf(input, row!.cfg)).toContain(check.id);
    });
  }
  test(`every row names a ${stateful ? "stateful" : "stateless"} check of the registry`, () => {
    const ids = new Set(checks.map((c) => c.id));
    for (const id of Object.keys(rows)) expect(ids.has(id), id).toBe(true);
  });
}
