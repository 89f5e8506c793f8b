// The README is the contract a user reads: every environment variable and every error code the
// server can answer must be in it (the code lists them in one table, src/config.ts, and one module, src/errors.ts).
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { ENV } from "../../src/config.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const readme = readFileSync(`${ROOT}README.md`, "utf8");

describe("README", () => {
  test("lists every environment variable of src/config.ts", () => {
    expect(Object.keys(ENV).filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });

  test("names every error code the HTTP surface answers", () => {
    // src/errors.ts holds the HTTP codes; the one code a lower layer defines is the checks config's.
    const sources = ["src/errors.ts", "src/checks/checks-config.ts"].map((f) => readFileSync(`${ROOT}${f}`, "utf8")).join("\n");
    const codes = new Set<string>();
    for (const m of sources.matchAll(/new IngestError\(\s*\d+,\s*"([a-z_]+\.[a-z_]+)"/g)) codes.add(m[1]!);
    for (const m of sources.matchAll(/code: "([a-z_]+\.[a-z_]+)"/g)) codes.add(m[1]!);
    for (const m of sources.matchAll(/readonly CODE = "([a-z_]+\.[a-z_]+)"/g)) codes.add(m[1]!);
    expect(codes.size).toBeGreaterThan(15);
    expect(codes.has("config.invalid")).toBe(true);
    expect([...codes].filter((c) => !readme.includes(c))).toEqual([]);
  });
});
