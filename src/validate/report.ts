// What `bun run validate` prints: a short text summary for people, or (--json) one JSON object for
// programs. The JSON shape (docs/validate.md):
//   { file, format, config, clock, ticks, accepted, flagged, rejected,
//     rejectsByCode: {code: ticks}, flagsByCode: {code: ticks},
//     rejects: [{index, line | offset, codes}], flags: [{index, line | offset, codes}],
//     show, rejectsTruncated, flagsTruncated, symbols: {tracked, max, evicted} }
import type { ValidatorStats } from "../checks/index.ts";
import type { Clock } from "./clock.ts";
import type { Format } from "./input.ts";
import type { Listed, Tally } from "./tally.ts";

export interface RunInfo {
  /** The path as given ("-" for stdin). */
  file: string;
  format: Format;
  /** The checks config's path, null for the registry defaults. */
  config: string | null;
  clock: Clock;
  tally: Tally;
  symbols: ValidatorStats;
}

const clockName = (c: Clock) => (c.mode === "fixed" ? new Date(c.fixedUs! / 1000).toISOString() : c.mode);

/** Codes by tick count, most first (then by name). */
const sorted = (by: Map<string, number>) => Object.fromEntries([...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));

export function reportJson(r: RunInfo): Record<string, unknown> {
  const t = r.tally;
  const key = r.format === "msgpack" ? "offset" : "line";
  const entry = (l: Listed) => ({ index: l.index, [key]: l.at, codes: l.codes });
  return {
    file: r.file, format: r.format, config: r.config, clock: clockName(r.clock),
    ticks: t.ticks, accepted: t.accepted, flagged: t.flagged, rejected: t.rejected,
    rejectsByCode: sorted(t.rejectsByCode), flagsByCode: sorted(t.flagsByCode),
    rejects: t.rejects.map(entry), flags: t.flags.map(entry),
    show: t.show, rejectsTruncated: t.rejected > t.rejects.length, flagsTruncated: t.flagged > t.flags.length,
    symbols: { tracked: r.symbols.symbols, max: r.symbols.maxSymbols, evicted: r.symbols.evictions },
  };
}

export function reportText(r: RunInfo): string {
  const t = r.tally;
  const name = r.file === "-" ? "stdin" : r.file;
  const out = [
    `${name}: ${t.ticks} ${t.ticks === 1 ? "tick" : "ticks"} (${r.format}; checks config ${r.config ?? "defaults"}; clock ${clockName(r.clock)})`,
    `  accepted  ${t.accepted}${t.flagged > 0 ? `  (flagged ${t.flagged})` : ""}`,
    `  rejected  ${t.rejected}`,
  ];
  const codes = (title: string, by: Map<string, number>) => {
    if (by.size === 0) return;
    const rows = Object.entries(sorted(by));
    const width = Math.max(...rows.map(([c]) => c.length));
    out.push("", title, ...rows.map(([c, n]) => `  ${c.padEnd(width)}  ${n}`));
  };
  codes("rejects by code (ticks)", t.rejectsByCode);
  codes("flags by code (ticks)", t.flagsByCode);
  const where = (l: Listed) => (r.format === "msgpack" ? `#${l.index} at byte ${l.at}` : `line ${l.at}`);
  const list = (title: string, listed: Listed[], total: number) => {
    if (listed.length === 0) return;
    const width = Math.max(...listed.map((l) => where(l).length));
    out.push("", `${title} (${listed.length === total ? `all ${total}` : `${listed.length} of ${total}; --show N for more`})`);
    for (const l of listed) out.push(`  ${where(l).padEnd(width)}  ${l.codes.join(", ")}`);
  };
  list("first rejects", t.rejects, t.rejected);
  list("first flagged", t.flags, t.flagged);
  const s = r.symbols;
  out.push("", `symbols: ${s.symbols} tracked (max ${s.maxSymbols}), ${s.evictions === 0 ? "none evicted" : `${s.evictions} evicted`}`);
  if (s.evictions > 0) {
    out.push("  the least recently accepted symbols' state was forgotten past --max-symbols: their next ticks were judged without history (raise --max-symbols)");
  }
  return out.join("\n") + "\n";
}
