// `bun run validate` exit codes: 0 every tick accepted (flags allowed), 1 any rejected, 2 bad usage,
// a bad checks config, or a file that cannot be read as its format; on 2 the reason is on stderr,
// naming what is wrong, and nothing is on stdout.
import { describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { pack } from "msgpackr";
import { cli, file, ndjson } from "./cli-helpers.ts";

const AT = "2026-03-01T12:00:00Z";
const T = Date.parse(AT);
const clock = ["--clock", AT];
const trade = (extra: Record<string, unknown> = {}) => ({ type: "trade", exchange: "binance", symbol: "BTC-USDT", ts: T, price: 100, size: 1, side: "buy", tradeId: 1, ...extra });
const locked = { type: "quote", exchange: "binance", symbol: "ETH-USDT", ts: T, bid: 10, bidSize: 1, ask: 10, askSize: 1 };

/** Exit 2 with `stderr` matching every pattern, and nothing on stdout. */
async function refused(args: string[], patterns: (string | RegExp)[], opts: Parameters<typeof cli>[1] = {}) {
  const r = await cli(args, opts);
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
  for (const p of patterns) expect(r.stderr).toMatch(p);
  return r;
}

describe("0 and 1", () => {
  test("0 when every tick is accepted, flagged ones included", async () => {
    const r = await cli([...clock, file("ok.ndjson", ndjson([trade(), locked]))]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("accepted  2  (flagged 1)");
    expect(r.stdout).toContain("rejected  0");
  });
  test("1 when any tick is rejected", async () => {
    expect((await cli([...clock, file("bad.ndjson", ndjson([trade(), trade()]))])).code).toBe(1);
  });
  test("0 and the usage on --help", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("usage: bun run validate -- [options] FILE");
  });
  test("an empty NDJSON file is zero ticks, exit 0", async () => {
    const r = await cli([...clock, file("empty.ndjson", "\n\n")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(": 0 ticks");
  });
});

describe("2: usage", () => {
  const path = file("usage.ndjson", ndjson([trade()]));
  test.each([
    [["--bogus", path], "unknown option --bogus"],
    [[], "missing FILE"],
    [[path, path], "one FILE at a time"],
    [["--show", "many", path], "--show expects an integer"],
    [["--show"], "--show needs a value"],
    [["--clock", "yesterday", path], "--clock expects wall, tick"],
    [["--format", "xml", path], "--format expects one of ndjson, json, msgpack"],
    [["--max-bytes", "0", path], "--max-bytes expects a size"],
    [["--max-symbols", "0", path], "--max-symbols expects an integer ≥ 1"],
    [["--json=yes", path], "--json takes no value"],
  ])("%j", async (args, message) => {
    const r = await refused(args, [message]);
    expect(r.stderr).toContain("usage:");
  });
});

describe("2: checks config", () => {
  const path = file("cfg.ndjson", ndjson([trade()]));
  test("a bad value: the message names the file and the key", async () => {
    const cfg = file("bad-config.json", JSON.stringify({ symbols: { "BTC-USDT": { maxSpreadBps: -1 } } }));
    await refused(["--config", cfg, path], [cfg, "symbols.BTC-USDT.maxSpreadBps", "must be ≥ 0"]);
  });
  test("an unknown key, a file that is not JSON, a missing file", async () => {
    await refused(["--config", file("unknown-key.json", JSON.stringify({ defaults: { maxSpreadBsp: 1 } })), path], ["defaults.maxSpreadBsp", "unknown parameter"]);
    const notJson = file("not-json.json", "{oops");
    await refused(["--config", notJson, path], [`${notJson} is not valid JSON`]);
    await refused(["--config", "/nonexistent/checks.json", path], ["cannot read /nonexistent/checks.json"]);
  });
  test("CHECKS_CONFIG is read the same way when --config is absent", async () => {
    const cfg = file("env-config.json", JSON.stringify({ checks: { "no.such_check": "off" } }));
    await refused([path], [cfg, "checks.no.such_check", "unknown check id"], { env: { CHECKS_CONFIG: cfg } });
  });
});

describe("2: unreadable input, named", () => {
  test("a missing file and a directory", async () => {
    await refused(["/nonexistent/ticks.ndjson"], ["/nonexistent/ticks.ndjson cannot be read: no such file"]);
    const dir = file("a-dir", "").replace(/a-dir$/, "dir.ndjson");
    mkdirSync(dir, { recursive: true });
    await refused([dir], [`${dir} is a directory`]);
  });
  test("malformed JSON: the file, line and column", async () => {
    const path = file("broken.json", `[\n${JSON.stringify(trade())},\n${JSON.stringify(trade()).slice(0, 30)}\n]`);
    await refused([path], [`${path} is not valid JSON at line 3, column`]);
    const trailing = file("trailing.json", `[${JSON.stringify(trade())},]`);
    await refused([trailing], [`${trailing} is not valid JSON at line 1`]);
  });
  test("JSON that is no tick, empty, too deep, or not UTF-8", async () => {
    const scalar = file("scalar.json", "42");
    await refused([scalar], [`${scalar} must be a tick object or an array of ticks`]);
    const empty = file("empty.json", "  \n");
    await refused([empty], [`${empty} is empty`]);
    let deep: unknown = 1;
    for (let i = 0; i < 10; i++) deep = [deep];
    const tooDeep = file("deep.json", `[\n${JSON.stringify(trade())},\n${JSON.stringify({ ...trade(), x: deep })}]`);
    await refused([tooDeep], [`${tooDeep}: the tick at line 3 nests deeper than 8 levels`, "body.too_deep"]);
    const latin1 = file("latin1.json", new Uint8Array([0x5b, 0x22, 0xe9, 0x22, 0x5d]));
    await refused([latin1], [`${latin1} is not valid UTF-8`]);
  });
  test("malformed MessagePack framing: the value and byte offset", async () => {
    const whole = Buffer.concat([pack(trade()), pack([trade(), trade()])]);
    const cut = file("cut.msgpack", whole.subarray(0, whole.length - 5));
    const second = pack(trade()).length;
    await refused([cut], [`${cut}: value 2 at byte ${second}, element 1 at byte ${second + 1 + second} is not valid MessagePack: truncated`]);
    // An array announcing more elements than follow.
    const short = file("short.msgpack", Buffer.concat([Buffer.from([0x93]), pack(trade()), pack(trade())]));
    await refused([short], [`value 1 at byte 0, element 2 at byte ${1 + 2 * second} is not valid MessagePack: unexpected end of data`]);
    const reserved = file("reserved.msgpack", Buffer.concat([pack(trade()), Buffer.from([0xc1])]));
    await refused([reserved], ["value 2 at byte", "reserved byte 0xc1"]);
    const scalar = file("scalar.msgpack", Buffer.concat([pack(trade()), pack(7)]));
    await refused([scalar], ["value 2 at byte", "must be a tick object or an array of ticks"]);
    await refused([file("empty.mpk", "")], ["empty.mpk is empty"]);
  });
  test("a JSON or MessagePack file over --max-bytes, from a file or stdin; NDJSON streams whatever its size", async () => {
    const ticks = Array.from({ length: 20 }, (_, i) => trade({ tradeId: i }));
    const json = file("big.json", JSON.stringify(ticks));
    await refused(["--max-bytes", "1K", json], [`${json} is over --max-bytes 1024`]);
    await refused(["--max-bytes", "1K", "--format", "msgpack", "-"], ["stdin is over --max-bytes 1024"], { stdin: pack(ticks) });
    const r = await cli([...clock, "--max-bytes", "1K", file("big.ndjson", ndjson(ticks))]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(": 20 ticks");
  });
  test("an NDJSON line longer than the server's bound (1 MiB)", async () => {
    const path = file("long.ndjson", `${JSON.stringify(trade())}\n\n{"x":"${"a".repeat(1 << 20)}"}\n`);
    await refused([path], [path, "the line of tick 2 (blank lines not counted) is longer than 1048576 characters", "body.line_too_long"]);
  });
});
