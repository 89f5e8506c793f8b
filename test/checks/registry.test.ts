import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { CHECKS, CHECK_INDEX, BYTES_PER_SYMBOL } from "../../src/checks/index.ts";
import * as C from "../../src/checks/codes.ts";
import { PARAM_SPECS } from "../../src/checks/params.ts";
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
    expect(PARAM_SPECS.size).toBe(n);
  });

  test("codes.ts bit constants match registry positions", () => {
    const constants = Object.entries(C).filter(([k, v]) => typeof v === "number" && k !== "CHECK_COUNT") as [string, number][];
    expect(constants.length).toBe(CHECKS.length);
    expect(C.CHECK_COUNT).toBe(CHECKS.length);
    for (const [name, i] of constants) {
      const fromId = CHECKS[i]!.id.replace(/([a-z])([A-Z])/g, "$1_$2").replace(".", "_").toUpperCase();
      expect(fromId).toBe(name);
    }
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
    expect(BYTES_PER_SYMBOL).toBe(1744);
  });
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
