// Speed of the offline validator (`bun run validate`, docs/validate.md) on one core: a seeded
// realistic stream (bench/lib/market.ts, calm regime, 5 symbols) written as NDJSON, a JSON array,
// a MessagePack array and a MessagePack stream of concatenated ticks, each run through the real CLI
// pinned to one CPU (taskset, when there is one) with the feed's checks config and --clock tick.
// Reports ticks/s from the child's wall time and from its CPU time (user + system: steadier on a
// shared box), startup included, the best of --runs; its peak RSS; and checks that every run
// counted every tick.
//   scripts/bun bench/validate-speed.ts [--ticks 1000000 --runs 3 --cpu 1]   (docs/performance.md)
import { mkdtempSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Packr } from "msgpackr";
import { flag, formatUsage, int, parseFlags, type FlagTable } from "./lib/flags.ts";
import { generateMarket, marketChecksConfig } from "./lib/market.ts";

interface Options {
  ticks: number;
  runs: number;
  cpu: number;
}

const FLAGS: FlagTable<Options> = {
  ticks: flag("ticks", "1000000", int(1_000, 20_000_000, { refuseBlank: true }), "ticks in the stream"),
  runs: flag("runs", "3", int(1, 20, { refuseBlank: true }), "runs per format (the best is reported)"),
  cpu: flag("cpu", String(availableParallelism() - 1), int(0, 1023), "the CPU the CLI is pinned to"),
};

const ROOT = new URL("../", import.meta.url).pathname;

/** Writes `parts` to `path` in order without joining them (1M ticks of text would be one huge string). */
function writeParts(path: string, parts: Iterable<string | Uint8Array>): void {
  const fd = openSync(path, "w");
  for (const p of parts) writeSync(fd, p as never);
  closeSync(fd);
}

async function main(argv: string[]) {
  const { values: o } = parseFlags(argv, FLAGS, () => formatUsage("bun bench/validate-speed.ts", FLAGS, 10));
  const dir = mkdtempSync(join(tmpdir(), "validate-speed-"));
  try {
    const ticks = generateMarket({ seed: 1, regime: "calm", ticks: o.ticks }).ticks.map((t) => t.raw);
    const packr = new Packr({ useRecords: false });
    const files: [string, string][] = [
      ["ndjson", join(dir, "ticks.ndjson")],
      ["json", join(dir, "ticks.json")],
      ["msgpack array", join(dir, "ticks.msgpack")],
      ["msgpack stream", join(dir, "stream.mpk")],
    ];
    writeParts(files[0]![1], ticks.map((t) => JSON.stringify(t) + "\n"));
    writeParts(files[1]![1], ["[", ...ticks.map((t, i) => (i === 0 ? "" : ",\n") + JSON.stringify(t)), "]\n"]);
    writeFileSync(files[2]![1], packr.pack(ticks));
    writeParts(files[3]![1], ticks.map((t) => Uint8Array.from(packr.pack(t))));
    const config = join(dir, "checks.json");
    writeFileSync(config, JSON.stringify(marketChecksConfig()));

    const pin = Bun.which("taskset") ? ["taskset", "-c", String(o.cpu)] : [];
    const time = ["/usr/bin/time"].find((t) => Bun.which(t));
    console.log(`# bun run validate, ${o.ticks} ticks (bench/lib/market.ts calm, seed 1), --clock tick, ${pin.length ? `pinned to CPU ${o.cpu}` : "not pinned (no taskset)"}`);
    console.log(`# ${cpus()[0]?.model ?? "unknown CPU"}, bun ${Bun.version}; best of ${o.runs} runs, process start included`);
    console.log("| format | file | wall s | ticks/s (wall) | CPU s | ticks/s (CPU) | peak RSS | rejected | flagged |");
    console.log("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
    for (const [format, path] of files) {
      let best = Infinity;
      let bestCpu = Infinity;
      let rss = 0;
      let report: { ticks: number; rejected: number; flagged: number } | null = null;
      for (let r = 0; r < o.runs; r++) {
        const start = performance.now();
        // GNU time reports the child's own CPU time and peak RSS (Bun's resourceUsage() mixes in other children).
        const timed = time ? [time, "-f", "%U %S %M"] : [];
        const proc = Bun.spawn([...timed, ...pin, process.execPath, "src/validate/validate-cli.ts", "--json", "--clock", "tick", "--config", config, path], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
        const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
        const seconds = (performance.now() - start) / 1000;
        if (code > 1) throw new Error(`${format}: exit ${code}: ${err}`);
        report = JSON.parse(out);
        if (report!.ticks !== o.ticks) throw new Error(`${format}: counted ${report!.ticks} ticks, wrote ${o.ticks}`);
        best = Math.min(best, seconds);
        const m = /(\d+\.\d+) (\d+\.\d+) (\d+)\s*$/.exec(err);
        if (m) {
          bestCpu = Math.min(bestCpu, Number(m[1]) + Number(m[2]));
          rss = Math.max(rss, Number(m[3]) / 1024);
        }
      }
      const mib = (statSync(path).size / 2 ** 20).toFixed(0);
      const rate = (s: number) => Math.round(o.ticks / s).toLocaleString("en-US");
      console.log(`| ${format} | ${mib} MiB | ${best.toFixed(2)} | ${rate(best)} | ${bestCpu.toFixed(2)} | ${rate(bestCpu)} | ${rss ? `${rss.toFixed(0)} MiB` : "-"} | ${report!.rejected} | ${report!.flagged} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
