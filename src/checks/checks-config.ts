// The checks config: one JSON file (path in CHECKS_CONFIG), validated once at load, compiled into
// lookup maps so the hot path resolves a tick's thresholds with at most two Map.get calls and no
// string building. Format (docs/checks-config.example.json is a full example):
//
//   {
//     "checks":    { "<check id>": "reject" | "flag" | "off" },     // severity overrides
//     "defaults":  { "<param>": value, ... },                       // global defaults
//     "exchanges": { "<exchange>": { "<param>": value, ... } },     // per exchange
//     "symbols":   { "<BASE-QUOTE>" | "<exchange>:<BASE-QUOTE>": { "<param>": value, ... } }
//   }
//
// Precedence, lowest first: registry default < defaults < exchanges[ex] < symbols[sym] < symbols[ex:sym].
// Keys starting with "$comment" are ignored anywhere. Anything else unknown is an error.
import { readFileSync } from "node:fs";
import type { RawParams } from "./compile.ts";
import type { Params, Severity } from "./define.ts";
import { normExchange, normSymbol } from "./names.ts";
import { REGISTRY, defaultRawParams, type Registry } from "./registry.ts";
import { routingKeyOf } from "../tick.ts";

/** The one error the checks module throws on purpose: a bad checks config. It stops the service at start (or refuses a hot reload), naming the dotted path of the bad key. */
export class ConfigError extends Error {
  static readonly CODE = "config.invalid";
  readonly code = ConfigError.CODE;
  constructor(
    /** Dotted path of the bad key, e.g. `symbols.BTC-USD.maxSpreadBps`; "" for the whole file. */
    readonly key: string,
    message: string,
  ) {
    super(key ? `checks config: ${key}: ${message}` : `checks config: ${message}`);
    this.name = "ConfigError";
  }
}

export type CheckSetting = Severity | "off";

/** The config as written (after validation and key normalisation): plain JSON, safe to post to a worker. */
export interface ChecksConfigSource {
  checks?: Record<string, CheckSetting>;
  defaults?: RawParams;
  exchanges?: Record<string, RawParams>;
  symbols?: Record<string, RawParams>;
}

interface ExchangeEntry {
  base: Params;
  bySymbol: Map<string, Params>;
}

/** A validated, compiled checks config. Build it with loadChecksConfig. */
export class ChecksConfig {
  readonly source: ChecksConfigSource;
  readonly registry: Registry;
  /** Thresholds of a symbol no scope mentions; also the global parameters (settable only under defaults). */
  readonly defaults: Params;
  /** Effective setting of each check, in registry order. */
  readonly settings: readonly CheckSetting[];
  /** Bit masks over check positions: enabled checks, and enabled checks of reject severity. */
  readonly enabled0: number;
  readonly enabled1: number;
  readonly reject0: number;
  readonly reject1: number;
  private readonly byExchange: Map<string, ExchangeEntry>;
  private readonly bySymbol: Map<string, Params>;

  /** `src` must have passed validateSource against the same registry. */
  constructor(src: ChecksConfigSource, registry: Registry = REGISTRY) {
    this.source = src;
    this.registry = registry;
    const make = registry.makeParams;
    const base = { ...defaultRawParams(registry), ...src.defaults };
    this.defaults = make(base);

    const settings: CheckSetting[] = registry.checks.map((c) => src.checks?.[c.id] ?? c.severity);
    let e0 = 0, e1 = 0, r0 = 0, r1 = 0;
    settings.forEach((s, i) => {
      if (s === "off") return;
      if (i < 32) { e0 |= 1 << i; if (s === "reject") r0 |= 1 << i; }
      else { e1 |= 1 << (i - 32); if (s === "reject") r1 |= 1 << (i - 32); }
    });
    this.settings = settings;
    this.enabled0 = e0; this.enabled1 = e1; this.reject0 = r0; this.reject1 = r1;

    // Precompute every combination that config mentions, so lookup never concatenates strings.
    const exchanges = src.exchanges ?? {};
    const symbols = src.symbols ?? {};
    const exNames = new Set(Object.keys(exchanges));
    const symNames = new Set<string>();
    for (const k of Object.keys(symbols)) {
      const colon = k.indexOf(":");
      if (colon < 0) symNames.add(k);
      else { exNames.add(k.slice(0, colon)); symNames.add(k.slice(colon + 1)); }
    }
    this.byExchange = new Map();
    for (const ex of exNames) {
      const exRaw = { ...base, ...exchanges[ex] };
      const bySymbol = new Map<string, Params>();
      for (const sym of symNames) {
        bySymbol.set(sym, make({ ...exRaw, ...symbols[sym], ...symbols[routingKeyOf(ex, sym)] }));
      }
      this.byExchange.set(ex, { base: make(exRaw), bySymbol });
    }
    this.bySymbol = new Map();
    for (const sym of symNames) this.bySymbol.set(sym, make({ ...base, ...symbols[sym] }));
  }

  /** Thresholds for a normalised exchange and symbol. Hot path: two Map.get at most, no allocation. */
  paramsFor(exchange: string, symbol: string): Params {
    const e = this.byExchange.get(exchange);
    if (e !== undefined) return e.bySymbol.get(symbol) ?? e.base;
    return this.bySymbol.get(symbol) ?? this.defaults;
  }
}

/**
 * Loads and validates the checks config from a JSON file path, a plain object, or (no argument)
 * the file named by `process.env.CHECKS_CONFIG` (registry defaults when unset or empty).
 * Throws ConfigError naming the bad key.
 */
export function loadChecksConfig(source?: string | object, registry: Registry = REGISTRY): ChecksConfig {
  if (source === undefined) {
    const path = process.env.CHECKS_CONFIG;
    return path ? loadChecksConfig(path, registry) : new ChecksConfig({}, registry);
  }
  if (typeof source === "string") {
    let text: string;
    try {
      text = readFileSync(source, "utf8");
    } catch (e) {
      throw new ConfigError("", `cannot read ${source}: ${(e as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ConfigError("", `${source} is not valid JSON: ${(e as Error).message}`);
    }
    return new ChecksConfig(validateSource(json, registry), registry);
  }
  return new ChecksConfig(validateSource(source, registry), registry);
}

// ---- validation (load time only) ---------------------------------------------------------------

const isComment = (k: string) => k.startsWith("$comment");
const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

function objectAt(v: unknown, key: string): Record<string, unknown> {
  if (!isPlain(v)) throw new ConfigError(key, `expected an object, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? `the string ${JSON.stringify(v).slice(0, 40)}` : `${typeof v} ${String(v).slice(0, 40)}`;
}

/** Validates a config object and returns it in canonical form (normalised keys, comments dropped). */
export function validateSource(json: unknown, registry: Registry = REGISTRY): ChecksConfigSource {
  const root = objectAt(json, "");
  const out: ChecksConfigSource = {};
  for (const [k, v] of Object.entries(root)) {
    if (isComment(k)) continue;
    switch (k) {
      case "checks": out.checks = validateChecks(objectAt(v, k), registry); break;
      case "defaults": out.defaults = validateParams(objectAt(v, k), k, true, registry); break;
      case "exchanges": out.exchanges = validateScopes(objectAt(v, k), k, "exchange", registry); break;
      case "symbols": out.symbols = validateScopes(objectAt(v, k), k, "symbol", registry); break;
      default: throw new ConfigError(k, `unknown key (expected checks, defaults, exchanges, symbols)`);
    }
  }
  return out;
}

function validateChecks(o: Record<string, unknown>, registry: Registry): Record<string, CheckSetting> {
  const out: Record<string, CheckSetting> = {};
  for (const [id, v] of Object.entries(o)) {
    if (isComment(id)) continue;
    const key = `checks.${id}`;
    const i = registry.index.get(id);
    if (i === undefined) throw new ConfigError(key, "unknown check id");
    if (v !== "reject" && v !== "flag" && v !== "off") throw new ConfigError(key, `expected "reject", "flag" or "off", got ${describe(v)}`);
    const spec = registry.checks[i]!;
    if (!spec.overridable && v !== spec.severity) throw new ConfigError(key, `${id} cannot be changed: without it there is no usable tick`);
    out[id] = v;
  }
  return out;
}

function validateScopes(o: Record<string, unknown>, at: string, kind: "exchange" | "symbol", registry: Registry): Record<string, RawParams> {
  const out: Record<string, RawParams> = {};
  for (const [name, v] of Object.entries(o)) {
    if (isComment(name)) continue;
    const key = `${at}.${name}`;
    let canon: string;
    if (kind === "exchange") {
      canon = normExchange(name);
      if (!canon) throw new ConfigError(key, "not a valid exchange name");
    } else {
      const colon = name.indexOf(":");
      const ex = colon < 0 ? "" : normExchange(name.slice(0, colon));
      const sym = normSymbol(colon < 0 ? name : name.slice(colon + 1));
      if (!sym || (colon >= 0 && !ex)) throw new ConfigError(key, "not a valid symbol (BASE-QUOTE) or exchange:BASE-QUOTE");
      canon = ex ? routingKeyOf(ex, sym) : sym;
    }
    if (canon in out) throw new ConfigError(key, `duplicates another key that normalises to ${canon}`);
    out[canon] = validateParams(objectAt(v, key), key, false, registry);
  }
  return out;
}

function validateParams(o: Record<string, unknown>, at: string, isDefaults: boolean, registry: Registry): RawParams {
  const out: RawParams = {};
  for (const [name, v] of Object.entries(o)) {
    if (isComment(name)) continue;
    const key = `${at}.${name}`;
    const spec = registry.paramSpecs.get(name);
    if (!spec) throw new ConfigError(key, "unknown parameter");
    if (spec.global && !isDefaults) throw new ConfigError(key, `${name} can only be set under defaults`);
    switch (spec.type) {
      case "string[]": {
        if (!Array.isArray(v)) throw new ConfigError(key, `expected an array of strings, got ${describe(v)}`);
        const items = spec.items ?? "symbol";
        const norm = items === "exchange" ? normExchange : normSymbol;
        out[name] = v.map((s, i) => {
          const n = typeof s === "string" ? norm(s) : "";
          if (!n) throw new ConfigError(`${key}[${i}]`, `not a valid ${items}: ${describe(s)}`);
          return n;
        });
        break;
      }
      case "number|null":
        if (v === null) { out[name] = null; break; }
      // falls through
      case "number":
      case "integer": {
        if (typeof v !== "number" || !Number.isFinite(v)) throw new ConfigError(key, `expected a finite number${spec.type === "number|null" ? " or null" : ""}, got ${describe(v)}`);
        if (spec.type === "integer" && !Number.isSafeInteger(v)) throw new ConfigError(key, `expected an integer, got ${v}`);
        if (spec.min !== undefined && v < spec.min) throw new ConfigError(key, `must be ≥ ${spec.min}, got ${v}`);
        if (spec.max !== undefined && v > spec.max) throw new ConfigError(key, `must be ≤ ${spec.max}, got ${v}`);
        out[name] = v;
        break;
      }
    }
  }
  for (const e of registry.entries) {
    const broken = e.paramRule?.(out);
    if (broken) throw new ConfigError(`${at}.${broken[0]}`, broken[1]);
  }
  return out;
}
