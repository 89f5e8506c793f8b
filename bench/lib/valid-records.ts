// Produces `ticks.valid` records the way ingest does (key `exchange:symbol`, value msgpack of a
// ValidRecord), so the sink can be tested before/without the HTTP path. Shared with the ingest tests.
import { Partitioners, type Producer } from "kafkajs";
import { createKafka } from "../../src/kafka/client.ts";
import { pack } from "msgpackr";
import { encodeValid } from "../../src/kafka/encode.ts";
import { RECORD_VERSION, routingKeyOf, type Tick, type ValidRecord } from "../../src/tick.ts";
import { prng } from "./prng.ts";

export { prng };


export interface MakeTicksOptions {
  seed?: number;
  /** `exchange:SYMBOL` keys to spread the ticks over. */
  keys?: string[];
  /** First tick time, µs since the epoch (default: now − 1 min, so retention never trims them). */
  startTs?: number;
}

/**
 * n distinct normalised ticks (+ recvTs/flags/v): trades with unique tradeIds, quotes with a unique
 * seq, and every 5th quote without seq (deduped by its prices). ts is strictly increasing per key.
 */
export function makeTicks(n: number, opts: MakeTicksOptions = {}): ValidRecord[] {
  const rnd = prng(opts.seed ?? 1);
  const keys = opts.keys ?? ["binance:BTC-USDT", "binance:ETH-USDT", "coinbase:BTC-USD", "kraken:SOL-EUR", "okx:XRP-USDT"];
  const start = opts.startTs ?? (Date.now() - 60_000) * 1000;
  const out: ValidRecord[] = [];
  for (let i = 0; i < n; i++) {
    const [exchange, symbol] = keys[i % keys.length].split(":");
    const ts = start + i * 3 + Math.floor(rnd() * 3); // strictly increasing overall, µs precision
    const recvTs = ts + 100 + Math.floor(rnd() * 1000);
    const flags = i % 7 === 0 ? ["price.spike"] : [];
    const base = 100 + Math.round(rnd() * 1e6) / 100;
    if (i % 2 === 0) {
      out.push({ type: "trade", exchange, symbol, ts, price: base, size: Math.round(rnd() * 1e6) / 1e4 + 0.0001, side: rnd() < 0.5 ? "buy" : "sell", tradeId: `tr-${i}`, recvTs, flags, v: RECORD_VERSION });
    } else {
      const q: ValidRecord = { type: "quote", exchange, symbol, ts, bid: base, bidSize: Math.round(rnd() * 1e4) / 100, ask: base + 0.01 * (1 + Math.floor(rnd() * 5)), askSize: Math.round(rnd() * 1e4) / 100, recvTs, flags, v: RECORD_VERSION };
      if (i % 5 !== 1) q.seq = i;
      out.push(q);
    }
  }
  return out;
}

export function kafkaFor(brokers: string[]) {
  return createKafka({ KAFKA_BROKERS: brokers, KAFKA_CLIENT_ID: "tickgate-test-producer", LOG_LEVEL: "error" });
}

export interface ProduceOptions {
  brokers: string[];
  topic: string;
  /** Messages per send() (default 1000). */
  chunk?: number;
}

/** Sends raw messages (acks=all) and resolves once Kafka acknowledged all of them. */
export async function produceRaw(opts: ProduceOptions, messages: { key: string | null; value: Buffer | null }[], producer?: Producer) {
  const own = !producer;
  const p = producer ?? kafkaFor(opts.brokers).producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  if (own) await p.connect();
  try {
    const chunk = opts.chunk ?? 1000;
    for (let i = 0; i < messages.length; i += chunk) {
      await p.send({ topic: opts.topic, acks: -1, messages: messages.slice(i, i + chunk) });
    }
  } finally {
    if (own) await p.disconnect();
  }
}

/**
 * Produces the records as ingest does: key `exchange:symbol`, value in ingest's own layout
 * (encodeValid, which the sink reads on its fast path); `layout: "msgpackr"` packs the record object
 * instead (another producer's layout: the sink's general path).
 */
export async function produceRecords(opts: ProduceOptions & { layout?: "ingest" | "msgpackr" }, records: ValidRecord[], producer?: Producer) {
  const value = opts.layout === "msgpackr"
    ? (r: ValidRecord) => pack(r)
    : ({ recvTs, flags, v, ...tick }: ValidRecord) => Buffer.from(encodeValid(tick as Tick, recvTs, flags));
  await produceRaw(opts, records.map((r) => ({ key: routingKeyOf(r.exchange, r.symbol), value: value(r) })), producer);
}

/** makeTicks(n) + produceRecords: returns what was produced. */
export async function produceTicks(opts: ProduceOptions & MakeTicksOptions & { n: number }): Promise<ValidRecord[]> {
  const records = makeTicks(opts.n, opts);
  await produceRecords(opts, records);
  return records;
}

/**
 * The `ticks.valid` value as an object: the tick's fields in TICK_FIELDS order, then recvTs, flags
 * and the schema version (seq only when the tick has one). The hot path encodes the same thing
 * with encodeValid (src/kafka/encode.ts); tests hold the two equal, and this to TICK_FIELDS. Written out as
 * literals (not a loop over the table) because the encode bench packs it as msgpackr's baseline.
 */
export function validRecord(t: Tick, recvTs: number, flags: string[]): ValidRecord {
  const seq = t.seq === undefined ? {} : { seq: t.seq };
  return t.type === "trade"
    ? { type: t.type, exchange: t.exchange, symbol: t.symbol, ts: t.ts, price: t.price, size: t.size, side: t.side, tradeId: t.tradeId, ...seq, recvTs, flags, v: RECORD_VERSION }
    : { type: t.type, exchange: t.exchange, symbol: t.symbol, ts: t.ts, bid: t.bid, bidSize: t.bidSize, ask: t.ask, askSize: t.askSize, ...seq, recvTs, flags, v: RECORD_VERSION };
}
