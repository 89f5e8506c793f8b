// `bun run validate`: the real CLI as a child process, over each format and stdin, its output (text
// and --json), its exit codes, and the options that change verdicts (--config, --clock, --max-symbols).
import { describe, expect, test } from "bun:test";
import { pack } from "msgpackr";
import { cli, cliJson, file, ndjson } from "./cli-helpers.ts";

/** Every tick below is judged at this instant (--clock), so the verdicts do not depend on today. */
const AT = "2026-03-01T12:00:00Z";
const T = Date.parse(AT);
const clock = ["--clock", AT];

const trade = (extra: Record<string, unknown> = {}) => ({ type: "trade", exchange: "binance", symbol: "BTC/USDT", ts: T - 1000, price: 97000.5, size: 0.01, side: "buy", tradeId: 1, ...extra });
const quote = (extra: Record<string, unknown> = {}) => ({ type: "quote", exchange: "binance", symbol: "ETH-USDT", ts: T - 900, bid: 3000, bidSize: 1, ask: 3000.5, askSize: 2, ...extra });

/** Index → verdict: 0 ok, 1 crossed, 2 locked (flag), 3 duplicate tradeId, 4 seq gap (flag), 5 too old. */
const SAMPLE = [
  trade({ seq: 1 }),
  quote({ bid: 3001 }),
  quote({ ask: 3000, symbol: "SOL-USDT" }),
  trade({ seq: 2 }),
  trade({ seq: 5, tradeId: 3 }),
  trade({ ts: T - 2 * 3600_000, tradeId: 4, symbol: "XRP-USDT" }),
];
const EXPECTED_REJECTS = [
  { index: 1, codes: ["quote.crossed"] },
  { index: 3, codes: ["tradeId.duplicate"] },
  { index: 5, codes: ["ts.too_old"] },
];
const EXPECTED_FLAGS = [
  { index: 2, codes: ["quote.locked"] },
  { index: 4, codes: ["seq.gap"] },
];
const at = (listed: { index: number; codes: string[] }[], key: string, where: number[]) => listed.map((l, i) => ({ ...l, [key]: where[i] }));

describe("formats", () => {
  test("NDJSON: counts, codes and line numbers (blank lines and CRLF counted), a line that is not JSON is one schema.unreadable tick", async () => {
    const lines = SAMPLE.map((t) => JSON.stringify(t));
    const text = [lines[0], "", lines[1], lines[2] + "\r", "{not json", lines[3], "   ", lines[4], lines[5]].join("\n") + "\n";
    const path = file("sample.ndjson", text);
    const r = await cli([...clock, path]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        `${path}: 7 ticks (ndjson; checks config defaults; clock 2026-03-01T12:00:00.000Z)`,
        "  accepted  3  (flagged 2)",
        "  rejected  4",
        "",
        "rejects by code (ticks)",
        "  quote.crossed      1",
        "  schema.unreadable  1",
        "  tradeId.duplicate  1",
        "  ts.too_old         1",
        "",
        "flags by code (ticks)",
        "  quote.locked  1",
        "  seq.gap       1",
        "",
        "first rejects (all 4)",
        "  line 3  quote.crossed",
        "  line 5  schema.unreadable",
        "  line 6  tradeId.duplicate",
        "  line 9  ts.too_old",
        "",
        "first flagged (all 2)",
        "  line 4  quote.locked",
        "  line 8  seq.gap",
        "",
        "symbols: 2 tracked (max 4096), none evicted", // rejected ticks of a new symbol take no slot
        "",
      ].join("\n"),
    );
    const { report } = await cliJson([...clock, path]);
    // The unreadable line is a tick: indices count it, as the server's NDJSON answer does.
    expect(report.rejects).toEqual([
      { index: 1, line: 3, codes: ["quote.crossed"] },
      { index: 3, line: 5, codes: ["schema.unreadable"] },
      { index: 4, line: 6, codes: ["tradeId.duplicate"] },
      { index: 6, line: 9, codes: ["ts.too_old"] },
    ]);
    expect(report.flags).toEqual([{ index: 2, line: 4, codes: ["quote.locked"] }, { index: 5, line: 8, codes: ["seq.gap"] }]);
  });

  test("JSON array: each tick's line is where its element starts, also for elements spanning lines", async () => {
    const elements = SAMPLE.map((t, i) => (i === 1 ? JSON.stringify(t, null, 2) : JSON.stringify(t)));
    // Lines: 1 "[", 2 tick 0, 3-12 tick 1 (pretty-printed: 8 keys and 2 braces), 13 tick 2, then 3, 4 and 5 on line 14.
    const text = `[\n${elements[0]},\n${elements[1]},\n${elements[2]},\n${elements[3]}, ${elements[4]},${elements[5]}\n]\n`;
    const { code, report } = await cliJson([...clock, file("sample.json", text)]);
    expect(code).toBe(1);
    expect(report).toMatchObject({ format: "json", ticks: 6, accepted: 3, flagged: 2, rejected: 3 });
    expect(report.rejects).toEqual(at(EXPECTED_REJECTS, "line", [3, 14, 14]));
    expect(report.flags).toEqual(at(EXPECTED_FLAGS, "line", [13, 14]));
  });

  test("a JSON file holding one tick, and an empty JSON array", async () => {
    const one = await cliJson([...clock, file("one.json", `\n\n${JSON.stringify(quote({ bid: 3001 }), null, 1)}\n`)]);
    expect(one.code).toBe(1);
    expect(one.report.rejects).toEqual([{ index: 0, line: 3, codes: ["quote.crossed"] }]);
    const none = await cliJson([...clock, file("none.json", "[ ]")]);
    expect(none.code).toBe(0);
    expect(none.report).toMatchObject({ ticks: 0, accepted: 0, rejected: 0 });
  });

  test("MessagePack array: index and byte offset of each tick", async () => {
    const elements = SAMPLE.map((t) => pack(t));
    const bytes = pack(SAMPLE);
    // A fixarray header is one byte; each element follows the one before.
    const offsets = elements.reduce<number[]>((acc, e, i) => [...acc, i === 0 ? 1 : acc[i - 1]! + elements[i - 1]!.length], []);
    const { code, report } = await cliJson([...clock, file("sample.msgpack", bytes)]);
    expect(code).toBe(1);
    expect(report).toMatchObject({ format: "msgpack", ticks: 6 });
    expect(report.rejects).toEqual(at(EXPECTED_REJECTS, "offset", [1, 3, 5].map((i) => offsets[i]!)));
    expect(report.flags).toEqual(at(EXPECTED_FLAGS, "offset", [2, 4].map((i) => offsets[i]!)));
  });

  test("MessagePack stream of concatenated values (ticks and arrays of ticks), in file order", async () => {
    const parts = [pack(SAMPLE[0]), pack(SAMPLE.slice(1, 4)), pack(SAMPLE[4]), pack(SAMPLE[5])];
    const start = (p: number) => parts.slice(0, p).reduce((n, b) => n + b.length, 0);
    const inner = (k: number) => start(1) + 1 + SAMPLE.slice(1, 1 + k).reduce((n, t) => n + pack(t).length, 0);
    const { report } = await cliJson([...clock, file("stream.mpk", Buffer.concat(parts))]);
    expect(report.ticks).toBe(6);
    expect(report.rejects).toEqual(at(EXPECTED_REJECTS, "offset", [inner(0), inner(2), start(3)]));
    expect(report.flags).toEqual(at(EXPECTED_FLAGS, "offset", [inner(1), start(2)]));
    // The text names a MessagePack tick by index and offset.
    expect((await cli([...clock, file("stream2.mpk", Buffer.concat(parts))])).stdout).toContain(`#5 at byte ${start(3)}  ts.too_old`);
  });

  test("stdin (-): each format sniffed from its first bytes, the same verdicts", async () => {
    const pretty = JSON.stringify(SAMPLE[1], null, 2); // one tick over several lines: JSON, not NDJSON
    for (const [stdin, format] of [[ndjson(SAMPLE), "ndjson"], [JSON.stringify(SAMPLE), "json"], [pack(SAMPLE), "msgpack"], [pretty, "json"]] as const) {
      const { code, report } = await cliJson([...clock, "-"], { stdin });
      expect(code).toBe(1);
      expect(report.file).toBe("-");
      expect(report.format).toBe(format);
      if (format !== "json" || stdin !== pretty) expect(report.rejects.map((l: any) => l.codes)).toEqual(EXPECTED_REJECTS.map((l) => l.codes));
    }
  });

  test("an unknown extension is sniffed; --format overrides both extension and sniffing", async () => {
    const sniffed = await cliJson([...clock, file("ticks.txt", JSON.stringify(SAMPLE, null, 2))]);
    expect(sniffed.report.format).toBe("json");
    expect(sniffed.report.ticks).toBe(6);
    // Read as NDJSON, a pretty-printed array is lines that are not JSON: every one rejected unreadable.
    const forced = await cliJson([...clock, "--format", "ndjson", file("ticks.json", JSON.stringify(SAMPLE, null, 2))]);
    expect(forced.report.format).toBe("ndjson");
    expect(Object.keys(forced.report.rejectsByCode)).toEqual(["schema.unreadable"]);
  });

  test("through `bun run validate -- FILE`", async () => {
    const r = await cli([...clock, "--json", file("run.ndjson", ndjson(SAMPLE))], { viaBunRun: true });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).rejects.map((l: any) => l.index)).toEqual([1, 3, 5]);
  });
});

describe("--json", () => {
  test("one object of a documented shape, every key present", async () => {
    const path = file("shape.ndjson", ndjson(SAMPLE));
    const { report } = await cliJson([...clock, "--show", "1", path]);
    expect(report).toEqual({
      file: path, format: "ndjson", config: null, clock: "2026-03-01T12:00:00.000Z",
      ticks: 6, accepted: 3, flagged: 2, rejected: 3,
      rejectsByCode: { "quote.crossed": 1, "tradeId.duplicate": 1, "ts.too_old": 1 },
      flagsByCode: { "quote.locked": 1, "seq.gap": 1 },
      rejects: [{ index: 1, line: 2, codes: ["quote.crossed"] }],
      flags: [{ index: 2, line: 3, codes: ["quote.locked"] }],
      show: 1, rejectsTruncated: true, flagsTruncated: true,
      symbols: { tracked: 2, max: 4096, evicted: 0 },
    });
  });
});
