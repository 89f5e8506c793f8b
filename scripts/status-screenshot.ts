// Photographs GET /status for the README: starts tickgate (ROLE=all) on the local stack with a topic
// prefix, table and Redis prefix of its own, sends a realistic mix of ticks (some bad, some
// flagged) for a while, and saves the page as a PNG. Removes what it created afterwards.
//   bun scripts/status-screenshot.ts [--out docs/status.png] [--seconds 15] [--rate 3000] [--dark]
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { launchChromium } from "../bench/lib/cdp.ts";
import { testEnv } from "../bench/lib/sink-env.ts";
import { tickStream } from "../bench/lib/tick-gen.ts";
import { startSut } from "../bench/load/target.ts";

const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: new URL("../docs/status.png", import.meta.url).pathname },
    seconds: { type: "string", default: "15" },
    rate: { type: "string", default: "3000" },
    dark: { type: "boolean", default: false },
  },
});
const seconds = Number(args.seconds);
const rate = Number(args.rate);
const BATCH = 100;

const env = await testEnv();
const sut = await startSut({
  kind: "tickgate", prefix: env.id, role: "all", workers: 2,
  env: { SINK_GROUP: env.config.SINK_GROUP, SINK_TABLE: env.table, REDIS_KEY_PREFIX: env.keyPrefix },
});
const browser = await launchChromium();
try {
  const page = await browser.newPage({ width: 1280, height: 800 });
  if (args.dark) await page.send("Emulation.setEmulatedMedia", { features: [{ name: "prefers-color-scheme", value: "dark" }] });
  await page.navigate(`${sut.url}/status`);

  // A few symbols, 3 % bad ticks of every kind the generator knows, plus a locked quote now and then (a flag).
  const stream = tickStream({ seed: 7, symbols: 24, badShare: 0.03, exchanges: ["binance", "coinbase", "kraken"] });
  const end = Date.now() + seconds * 1000;
  let sent = 0;
  while (Date.now() < end) {
    const started = Date.now();
    const ticks = stream.batch(BATCH).map((s) => s.tick);
    if (sent % 1000 === 0) ticks.push({ type: "quote", exchange: "okx", symbol: "BTC-USDT", ts: Date.now(), bid: 97000, bidSize: 1, ask: 97000, askSize: 1 });
    const r = await fetch(`${sut.url}/v1/ticks`, { method: "POST", body: JSON.stringify(ticks), headers: { "content-type": "application/json" } });
    await r.arrayBuffer();
    sent += BATCH;
    await Bun.sleep(Math.max(0, (1000 * BATCH) / rate - (Date.now() - started)));
  }
  await page.waitFor("figures", `Number(document.getElementById("total-in").dataset.value) > 0`);
  writeFileSync(args.out!, await page.screenshot());
  const errors = [...page.log.exceptions, ...page.log.errors.map((e) => e.text)];
  console.log(`wrote ${args.out} after ${sent} ticks${errors.length ? `; the page reported: ${errors.join(" | ")}` : ""}`);
} finally {
  await browser.close();
  await sut.stop();
  await env.cleanup();
}
