// tickgate's end-to-end load tool (issue 6). Starts the system under test in a child process (unless
// --url), drives it from this process, and writes bench/results/load-<scenario>-<ts>.json / .svg and
// bench/results/load-<scenario>.md.   bun run load -- --help
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, type } from "node:os";
import { join } from "node:path";
import { parseArgs, type Options } from "./load/options.ts";
import { markdown, svg, type LoadResult } from "./load/report.ts";
import { runScenario } from "./load/scenarios.ts";

export async function main(argv: string[]): Promise<{ result: LoadResult; files: { json: string; svg: string; md: string } }> {
  const o: Options = parseArgs(argv);
  const startedAt = new Date().toISOString();
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? "?", bun: Bun.version, os: `${type()} ${release()}`, loadAvgAtStart: loadavg() };
  const scenario = await runScenario(o);
  const result: LoadResult = {
    scenario: o.scenario,
    startedAt,
    command: `bun run load -- ${argv.filter((a) => a !== "--").join(" ")}`.trim(),
    machine,
    options: { ...o },
    ...scenario,
  };
  mkdirSync(o.out, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, "-");
  // load-steady.md, load-steady-ws.md, load-peak-ingest.md, … one summary per variant.
  const variant = [
    o.scenario,
    o.mode !== "http" && o.scenario !== "compare" ? o.mode : "",
    o.format !== "json" ? o.format : "",
    o.role !== "all" ? o.role : "",
    o.target !== "tickgate" && !["compare", "scaling"].includes(o.scenario) ? o.target : "",
  ].filter(Boolean).join("-");
  const files = {
    json: join(o.out, `load-${variant}-${stamp}.json`),
    svg: join(o.out, `load-${variant}-${stamp}.svg`),
    md: join(o.out, `load-${variant}.md`),
  };
  const md = markdown(result);
  writeFileSync(files.json, JSON.stringify(result, null, 2));
  writeFileSync(files.svg, svg(result));
  writeFileSync(files.md, `${md}\n![chart](${files.svg.split("/").pop()})\n`);
  return { result, files };
}

if (import.meta.main) {
  // Ctrl-C: exit through process.exit so the "exit" hooks stop the server child.
  process.on("SIGINT", () => process.exit(130));
  process.on("SIGTERM", () => process.exit(143));
  try {
    const { result, files } = await main(process.argv.slice(2));
    console.log(markdown(result));
    console.log(`results: ${files.json}\n         ${files.svg}\n         ${files.md}`);
    const off = result.runs.some((r) => "account" in r && !r.account.balanced);
    process.exit(off ? 2 : 0);
  } catch (err) {
    console.error(`load: ${(err as Error)?.stack ?? err}`);
    process.exit(1);
  }
}
