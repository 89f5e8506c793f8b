// The shape of the codebase a newcomer relies on (issue 11, docs/architecture.md): layers point
// down, a module is found by a name no other module has, and no file grows past one screenful of jobs.
import { describe, expect, test } from "bun:test";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join, relative } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAX_LINES = 300;

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The module paths a file imports (static imports and re-exports; not `new URL(...)` spawns). */
function imports(path: string): string[] {
  const text = readFileSync(join(ROOT, path), "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms), ...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!);
}

const resolved = (from: string, spec: string) => (spec.startsWith(".") ? relative(ROOT, join(ROOT, from, "..", spec)) : spec);

describe("layout", () => {
  test("nothing in src/ imports workers/ (workers are thread entry points; only their spawner names them by URL)", () => {
    const up = files("src").flatMap((f) => imports(f).map((s) => [f, resolved(f, s)] as const)).filter(([, to]) => to.startsWith("workers/"));
    expect(up).toEqual([]);
  });

  test("nothing in src/ or workers/ imports bench/ or test/, and benchmarks do not import test/", () => {
    const bad = [...files("src"), ...files("workers"), ...files("bench")]
      .flatMap((f) => imports(f).map((s) => [f, resolved(f, s)] as const))
      .filter(([from, to]) => to.startsWith("test/") || (!from.startsWith("bench/") && to.startsWith("bench/")));
    expect(bad).toEqual([]);
  });

  test("no two modules in src/ share a base name (index.ts aside)", () => {
    const byName = new Map<string, string[]>();
    for (const f of files("src")) if (basename(f) !== "index.ts") byName.set(basename(f), [...(byName.get(basename(f)) ?? []), f]);
    expect([...byName.values()].filter((paths) => paths.length > 1)).toEqual([]);
  });

  test(`no file in src/ or workers/ is over ${MAX_LINES} lines`, () => {
    const long = [...files("src"), ...files("workers")]
      .map((f) => [f, readFileSync(join(ROOT, f), "utf8").split("\n").length - 1] as const)
      .filter(([, n]) => n > MAX_LINES);
    expect(long).toEqual([]);
  });

  test("the test itself sees the tree (it would pass vacuously on an empty one)", () => {
    expect(files("src").length).toBeGreaterThan(40);
    expect(imports("src/main.ts").length).toBeGreaterThan(5);
  });
});
