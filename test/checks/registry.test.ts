import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { CHECKS, CHECK_ENTRIES, CHECK_INDEX, BYTES_PER_SYMBOL, REGISTRY, createRegistry, history, none, sequence, value, type CheckEntry } from "../../src/checks/index.ts";
import { DOC_PATH, renderChecksDoc } from "../../scripts/render-checks.ts";

describe("check registry", () => {
  test("has at least 32 checks with unique ids in the DESIGN code format", () => {
    expect(CHECKS.length).toBeGreaterThanOrEqual(32);
    const ids = CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]*\.[a-z][a-z_]*$/);
  });

  test("DESIGN's example ids exist with those exact ids", () => {
    for (const id of ["schema.missing_field", "price.nonpositive", "quote.crossed", "seq.duplicate", "price.spike"]) {
      expect(CHECK_INDEX.has(id)).toBe(true);
    }
  });

  test("every entry is complete: severity, one-line description, params with defaults", () => {
    for (const c of CHECKS) {
      expect(["reject", "flag"]).toContain(c.severity);
      expect(c.description.length).toBeGreaterThanOrEqual(8);
      expect(c.description).not.toContain("\n");
      expect(typeof c.stateful).toBe("boolean");
      for (const [name, p] of Object.entries(c.params)) {
        expect(name).toMatch(/^[a-z][A-Za-z]*$/);
        expect(p.description.length).toBeGreaterThan(5);
        if (typeof p.default === "number") {
          if (p.min !== undefined) expect(p.default).toBeGreaterThanOrEqual(p.min);
          if (p.max !== undefined) expect(p.default).toBeLessThanOrEqual(p.max);
        }
      }
    }
  });

  test("parameter names are unique across checks (config keys are flat)", () => {
    const n = CHECKS.reduce((k, c) => k + Object.keys(c.params).length, 0);
    expect(REGISTRY.paramSpecs.size).toBe(n);
  });

  test("a check's bit is its position", () => {
    CHECK_ENTRIES.forEach((e, i) => expect(CHECK_INDEX.get(e.id)).toBe(i));
    expect(CHECKS.length).toBeLessThanOrEqual(64); // two 32-bit words
  });

  test("stateless checks come before stateful ones (the pipeline order)", () => {
    const firstStateful = CHECKS.findIndex((c) => c.stateful);
    expect(CHECKS.slice(firstStateful).every((c) => c.stateful)).toBe(true);
  });

  test("the registry is plain JSON (served at GET /v1/checks)", () => {
    expect(JSON.parse(JSON.stringify(CHECKS))).toEqual(CHECKS as unknown as object[]);
  });

  test("bytes per symbol is pinned", () => {
    expect(BYTES_PER_SYMBOL).toBe(1792);
  });
});

describe("createRegistry refuses a list the engine cannot run", () => {
  const extra = (id: string, params = {}): CheckEntry =>
    history({ id, severity: "flag", overridable: true, params, reads: [], description: "a test check", state: "none", fires: () => false });
  const refuses = (entries: readonly CheckEntry[], message: RegExp) => expect(() => createRegistry(entries)).toThrow(message);

  test("an id listed twice", () => refuses([...CHECK_ENTRIES, extra("seq.gap")], /seq\.gap listed twice/));
  test("a parameter another check declares", () =>
    refuses([...CHECK_ENTRIES, extra("x.y", { maxJumpPct: { default: 1, type: "number", description: "taken" } })], /parameter maxJumpPct of x\.y/));
  test("a derived value named like another check's parameter or derived value", () => {
    refuses([...CHECK_ENTRIES, extra("x.d", { myMs: { default: 1, type: "number", description: "clashes", derived: { maxAgeUs: (ms: number) => ms } } })], /parameter maxAgeUs of x\.d/);
    refuses([...CHECK_ENTRIES, extra("x.e", { maxJump: { default: 1, type: "number", description: "clashes with price.spike's derived maxJump" } })], /parameter maxJump of x\.e/);
  });
  test("more checks than the fired-bit words hold", () =>
    refuses([...CHECK_ENTRIES, ...Array.from({ length: 65 - CHECK_ENTRIES.length }, (_, i) => extra(`x.n${i}`))], /at most 64/));
  test("a stateless check after a history check", () =>
    refuses([...CHECK_ENTRIES, value({ id: "x.late", severity: "flag", overridable: true, params: none, reads: [], description: "late", fires: () => false })], /x\.late \(value\) is listed after a history check/));
  test("a sequence check after a history check", () =>
    refuses([...CHECK_ENTRIES, sequence({ id: "x.seq", severity: "flag", overridable: true, params: none, reads: ["seq"], description: "late", state: "none", fires: () => false })], /x\.seq \(sequence\) is listed after a history check/));
  test("a missing guard the engine fires", () => refuses(CHECK_ENTRIES.filter((e) => e.id !== "schema.missing_field"), /needs the guard schema\.missing_field/));
});

describe("docs/checks.md", () => {
  test("matches the registry (run `bun scripts/render-checks.ts` after changing it)", () => {
    expect(readFileSync(DOC_PATH, "utf8")).toBe(renderChecksDoc());
  });

  test("lists every check id", () => {
    const doc = renderChecksDoc();
    for (const c of CHECKS) expect(doc).toContain(`\`${c.id}\``);
  });
});
