// docs/api.md is the contract a user reads, and the README is how they start: these tests hold both
// to the code. The code keeps each list in one place (src/config.ts ENV, src/errors.ts, the routes in
// src/http/, the sink's POISON codes), so a new variable, code or route without docs fails here.
import { describe, expect, test } from "bun:test";
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ENV } from "../../src/config.ts";
import { CONTENT_TYPES } from "../../src/ingest/decode.ts";
import { POISON } from "../../src/sink/sink-errors.ts";

const ROOT = resolve(new URL("../../", import.meta.url).pathname);
const read = (f: string) => readFileSync(join(ROOT, f), "utf8");
const api = read("docs/api.md");
const readme = read("README.md");

/** Every error code the HTTP surface answers, with its status where the factory fixes one. */
function errorCodes(): Map<string, number | null> {
  const codes = new Map<string, number | null>();
  const errors = read("src/errors.ts");
  for (const m of errors.matchAll(/new IngestError\(\s*([^,]+),\s*"([a-z_.]+)"/g)) {
    codes.set(m[2]!, /^\d+$/.test(m[1]!.trim()) ? Number(m[1]) : null);
  }
  // The checks config's code (answered 400 by POST /v1/checks/reload) and the environment's.
  for (const m of read("src/checks/checks-config.ts").matchAll(/readonly CODE = "([a-z_]+\.[a-z_]+)"/g)) codes.set(m[1]!, 400);
  for (const m of errors.matchAll(/readonly code = "([a-z_]+\.[a-z_]+)"/g)) codes.set(m[1]!, null);
  return codes;
}

/** `METHOD /path` of every route registered in src/http/ (`:param` written `{param}` as in the docs). */
function routes(): string[] {
  const found = new Set<string>();
  for (const f of readdirSync(join(ROOT, "src/http"))) {
    if (!f.endsWith(".ts")) continue;
    for (const m of read(`src/http/${f}`).matchAll(/\.(get|post|put|delete|patch)\(\s*"(\/[^"]*)"/g)) {
      found.add(`${m[1]!.toUpperCase()} ${m[2]!.replace(/:(\w+)/g, "{$1}")}`);
    }
  }
  return [...found];
}

/** Markdown files a user reads: the README and docs/. */
const markdown = ["README.md", ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];

describe("docs/api.md", () => {
  test("has every error code in its table, with the status the code answers", () => {
    const codes = errorCodes();
    expect(codes.size).toBeGreaterThan(20);
    expect(codes.get("pipeline.behind")).toBe(503); // the extraction reads statuses, not just names
    const missing: string[] = [];
    for (const [code, status] of codes) {
      if (code === "config.env") {
        if (!api.includes("`config.env`")) missing.push(code);
        continue;
      }
      const row = new RegExp(`^\\| (\\d{3}|\\(cause's\\)) \\| \`${code.replace(".", "\\.")}\` \\|`, "m").exec(api);
      if (!row || (status !== null && row[1] !== String(status))) missing.push(`${status ?? "?"} ${code}`);
    }
    expect(missing).toEqual([]);
  });

  test("lists every route of src/http/", () => {
    const all = routes();
    expect(all).toContain("POST /v1/ticks");
    expect(all.length).toBeGreaterThan(9);
    const documented = (r: string) => {
      const [method, path] = r.split(" ");
      return new RegExp("`" + method + " " + path!.replace(/[{}/.]/g, "\\$&") + "[`[]").test(api);
    };
    expect(all.filter((r) => !documented(r))).toEqual([]);
  });

  test("lists every environment variable of src/config.ts, with its default", () => {
    const wrong = Object.entries(ENV).filter(([name, spec]) => {
      const cell = new RegExp(`^\\| \`${name}\` \\| ([^|]*) \\|`, "m").exec(api)?.[1]?.trim();
      // No default is written in words ("(none)", "vCPU count"); any other must be the value itself.
      return cell === undefined || (spec.default === "" ? cell.startsWith("`") : cell !== `\`${spec.default}\``);
    });
    expect(wrong.map(([name]) => name)).toEqual([]);
  });

  test("lists every content type the decoder takes", () => {
    expect(CONTENT_TYPES.length).toBeGreaterThan(3);
    expect(CONTENT_TYPES.filter((type) => !api.includes(`\`${type}\``))).toEqual([]);
  });

  test("every route it lists exists", () => {
    const listed = [...api.matchAll(/^\| `(GET|POST) ([^`\[]+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(listed.length).toBeGreaterThan(9);
    expect(listed.filter((r) => !routes().includes(r))).toEqual([]);
  });

  test("names every dead-letter reason of the sink", () => {
    expect(Object.values(POISON).filter((code) => !api.includes(`\`${code}\``))).toEqual([]);
  });
});

describe("links", () => {
  test("README and docs link only to files inside the repository, and those exist", () => {
    const broken: string[] = [];
    for (const file of markdown) {
      const text = read(file);
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split("#")[0]!;
        if (!target || /^[a-z]+:/.test(target)) continue; // an anchor in the same file, or a URL
        const path = resolve(ROOT, dirname(file), target);
        let exists = true;
        try {
          statSync(path);
        } catch {
          exists = false;
        }
        if (!path.startsWith(ROOT + "/") || !exists) broken.push(`${file}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test("nothing in the repository sends a reader to files outside it", () => {
    const outside = ["../" + "shared", "DESIGN" + ".md"]; // spelt apart so this file does not match itself
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(join(ROOT, dir))) {
        const rel = dir ? `${dir}/${name}` : name;
        if (/^(node_modules|\.tools|\.stack.*|\.git|bench\/results)$/.test(rel)) continue;
        const st = statSync(join(ROOT, rel));
        if (st.isDirectory()) walk(rel);
        else if (/\.(ts|md|sh|ya?ml|json|html)$|^Dockerfile$/.test(name) && st.size < 2_000_000) {
          const text = read(rel);
          for (const o of outside) if (text.includes(o)) offenders.push(`${rel}: ${o}`);
        }
      }
    };
    walk("");
    expect(offenders).toEqual([]);
  });
});

describe("package scripts and the README's commands", () => {
  const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };

  test("no package script calls a bare `bun` (it is not on PATH after the setup)", () => {
    const bare = Object.entries(pkg.scripts).filter(([, cmd]) => /(^|[;&|]\s*)bun\s/.test(cmd));
    expect(bare).toEqual([]);
  });

  test("every command in the README's shell blocks runs without bun on PATH and names a real script", () => {
    const lines = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split("\n"));
    const commands = lines.map((l) => l.replace(/#.*$/, "").trim()).filter(Boolean);
    expect(commands.length).toBeGreaterThan(5);
    expect(commands.filter((c) => /(^|[;&|]\s*|\s)bun\s/.test(c.replace(/scripts\/bun\s/g, "")))).toEqual([]);
    const named = [...readme.matchAll(/bun run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((s) => !(s in pkg.scripts))).toEqual([]);
  });

  test("`scripts/bun run validate` and the bootstrap's bun run a package script with no bun on PATH", () => {
    // PATH without any directory that holds a `bun`: what a fresh machine has after the setup.
    const path = (process.env.PATH ?? "").split(":").filter((dir) => {
      try {
        accessSync(join(dir, "bun"), constants.X_OK);
        return false;
      } catch {
        return true;
      }
    });
    const env = { ...process.env, PATH: [...path, "/usr/bin", "/bin"].join(":") };
    expect(Bun.spawnSync(["bash", "-c", "command -v bun"], { env }).exitCode).not.toBe(0);
    const dir = mkdtempSync(join(tmpdir(), "tickgate-nobun-"));
    try {
      const file = join(dir, "ticks.ndjson");
      const ts = Date.now();
      writeFileSync(file, [
        { type: "trade", exchange: "binance", symbol: "BTC-USDT", ts, price: 97000, size: 0.1, side: "buy", tradeId: 1 },
        { type: "quote", exchange: "binance", symbol: "ETH-USDT", ts, bid: 3001, bidSize: 1, ask: 3000, askSize: 1 },
      ].map((t) => JSON.stringify(t)).join("\n") + "\n");
      const viaWrapper = Bun.spawnSync([join(ROOT, "scripts/bun"), "run", "validate", "--", file], { cwd: ROOT, env });
      expect(viaWrapper.stderr.toString()).not.toContain("command not found");
      expect(viaWrapper.stdout.toString()).toContain("quote.crossed");
      expect(viaWrapper.exitCode).toBe(1); // one tick rejected
      const viaTools = Bun.spawnSync([process.execPath, "run", "validate", "--", file], { cwd: ROOT, env });
      expect(viaTools.stdout.toString()).toContain("quote.crossed");
      expect(viaTools.exitCode).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
