// Malformed and stray messages for the quality benchmark. A malformed tick is one of the symbol's
// own messages arriving corrupted (it replaces that message: its seq is lost to the stream, as on a
// real feed). A stray tick is an extra message that belongs to no stream of the symbol — a garbled
// exchange or symbol, another message type, a misrouted feed, hostile input — so it is inserted
// beside the symbol's ticks and the stream itself stays whole. Each variant names its own codes.
import { pack } from "msgpackr";
import { R, type Catch, type FaultClass, type Raw } from "./faults.ts";
import { KIND_QUOTE, KIND_TRADE } from "./market.ts";

/** A variant: a name, the codes that catch it, and the message it turns tick `t` into (null: not for this tick). */
interface Variant {
  name: string;
  catches: Catch[];
  make: (t: Raw) => unknown;
  kind?: number; // only for ticks of this kind
}

const v = (name: string, code: string, make: Variant["make"], kind?: number): Variant => ({ name, catches: [R(code)], make, kind });

/**
 * A class that picks one of its variants (among those for the tick's kind) at the first tick at or
 * after i, and replaces that tick with it, or inserts it after (`stray`).
 */
function variants(id: string, about: string, stray: boolean, list: Variant[]): FaultClass {
  const catches = [...new Map(list.flatMap((x) => x.catches).map((c) => [c.code, c])).values()];
  return {
    id, about, catches,
    apply(x, i) {
      // A class whose variants are all for one kind waits for a tick of that kind; else any tick does.
      const kinds = [...new Set(list.map((w) => w.kind))];
      const j = kinds.length === 1 && kinds[0] !== undefined ? x.find(i, kinds[0]) : i;
      if (j < 0) return false;
      const t = x.raw(j);
      const choice = x.pick(list.filter((w) => w.kind === undefined || w.kind === x.tick(j).kind));
      const msg = choice.make(t);
      x.begin(id, catches);
      x.declare(choice.name, choice.catches);
      if (!stray) x.replace(j, msg);
      else x.insertAfter(j, msg, x.tick(j).kind, id === "stray.too_large" ? pack(msg).length : 0);
      return true;
    },
  };
}

const T = KIND_TRADE;
const Q = KIND_QUOTE;
const without = (t: Raw, k: string) => {
  const o = { ...t };
  delete o[k];
  return o;
};

export const MALFORMED_FAULTS: FaultClass[] = [
  variants("malformed.price", "a trade whose price is 0, negative, or not a finite number (\"NaN\", \"n/a\", \"1e400\", Infinity from MessagePack, \"\")", false, [
    v("price 0", "price.nonpositive", (t) => ({ ...t, price: 0 }), T),
    v("price negative", "price.nonpositive", (t) => ({ ...t, price: -(t.price as number) }), T),
    v("price \"NaN\"", "price.not_finite", (t) => ({ ...t, price: "NaN" }), T),
    v("price \"n/a\"", "price.not_finite", (t) => ({ ...t, price: "n/a" }), T),
    v("price \"1e400\"", "price.not_finite", (t) => ({ ...t, price: "1e400" }), T),
    v("price Infinity", "price.not_finite", (t) => ({ ...t, price: Infinity }), T),
    v("price \"\"", "price.not_finite", (t) => ({ ...t, price: "" }), T),
  ]),
  variants("malformed.size", "a trade whose size is 0, negative or not a finite number", false, [
    v("size 0", "size.nonpositive", (t) => ({ ...t, size: 0 }), T),
    v("size negative", "size.nonpositive", (t) => ({ ...t, size: -(t.size as number) }), T),
    v("size \"abc\"", "size.not_finite", (t) => ({ ...t, size: "abc" }), T),
    v("size NaN", "size.not_finite", (t) => ({ ...t, size: NaN }), T),
  ]),
  variants("malformed.book", "a quote whose bid or ask is 0, negative or not a finite number", false, [
    v("bid 0", "bid.nonpositive", (t) => ({ ...t, bid: 0 }), Q),
    v("ask negative", "ask.nonpositive", (t) => ({ ...t, ask: -(t.ask as number) }), Q),
    v("bid \"NaN\"", "bid.not_finite", (t) => ({ ...t, bid: "NaN" }), Q),
    v("ask \"\"", "ask.not_finite", (t) => ({ ...t, ask: "" }), Q),
  ]),
  variants("malformed.book_size", "a quote whose bidSize or askSize is negative or not a finite number", false, [
    v("bidSize negative", "bidSize.negative", (t) => ({ ...t, bidSize: -(t.bidSize as number) }), Q),
    v("askSize negative", "askSize.negative", (t) => ({ ...t, askSize: -1 }), Q),
    v("bidSize \"abc\"", "bidSize.not_finite", (t) => ({ ...t, bidSize: "abc" }), Q),
    v("askSize Infinity", "askSize.not_finite", (t) => ({ ...t, askSize: Infinity }), Q),
  ]),
  variants("malformed.missing_field", "a tick without one required field (absent or null): ts, or a trade's price/size/side/tradeId, a quote's bid/bidSize/ask/askSize", false, [
    ...["ts", "price", "size", "side", "tradeId"].map((k) => v(`trade without ${k}`, "schema.missing_field", (t) => without(t, k), T)),
    ...["ts", "bid", "bidSize", "ask", "askSize"].map((k) => v(`quote without ${k}`, "schema.missing_field", (t) => without(t, k), Q)),
    v("a field null", "schema.missing_field", (t) => ({ ...t, ts: null })),
  ]),
  variants("malformed.side", "a trade whose side is not buy/sell (\"b\", \"long\", \"BUYER\", \"\", 1)", false,
    ["b", "long", "BUYER", "", 1].map((s) => v(`side ${JSON.stringify(s)}`, "side.invalid", (t) => ({ ...t, side: s }), T))),
  variants("malformed.trade_id", "a trade whose tradeId is negative, fractional, empty, 70 characters long or holds a control character", false,
    [-1, 1.5, "", "x".repeat(70), "T12\u0001"].map((id) => v(`tradeId ${JSON.stringify(id).slice(0, 12)}`, "tradeId.invalid", (t) => ({ ...t, tradeId: id }), T))),
  variants("malformed.ts", "a tick whose ts is no timestamp (\"yesterday\", 0, −1, an ISO time without a zone, true)", false,
    ["yesterday", 0, -1, "2026-01-01T00:00:00", true].map((ts) => v(`ts ${JSON.stringify(ts)}`, "ts.invalid", (t) => ({ ...t, ts })))),
  variants("malformed.seq", "a tick whose seq is negative, fractional, not digits or beyond 2⁵³", false,
    [-1, 1.5, "12a", 2 ** 60].map((seq) => v(`seq ${JSON.stringify(seq)}`, "seq.invalid", (t) => ({ ...t, seq })))),
  variants("malformed.long_string", "a 300-character string where a short one belongs (a trade's tradeId, a quote's bid)", false, [
    v("tradeId 300 chars", "schema.string_too_long", (t) => ({ ...t, tradeId: "T".repeat(300) }), T),
    v("bid 300 chars", "schema.string_too_long", (t) => ({ ...t, bid: `${t.bid}${"0".repeat(300)}` }), Q),
  ]),
];

/** The symbol as a feed might garble it: native concatenated form, a space, one side missing, a bad character. */
const badSymbols = (sym: string) => {
  const [base, quote] = sym.split("-");
  return [`${base}${quote}`, `${base} ${quote}`, "", `${base}-`, `${base}@-${quote}`];
};

export const STRAY_FAULTS: FaultClass[] = [
  variants("stray.symbol", "an extra tick whose symbol is malformed (\"BTCUSDT\", \"BTC USDT\", \"\", \"BTC-\", a bad character)", true,
    [0, 1, 2, 3, 4].map((k) => v(`symbol form ${k}`, "symbol.invalid", (t) => ({ ...t, symbol: badSymbols(t.symbol as string)[k] })))),
  variants("stray.exchange", "an extra tick whose exchange is malformed (a space, a leading dash, 40 characters, \"\")", true,
    [(e: string) => e.replace(/^(..)/, "$1 "), (e: string) => `-${e}`, () => "x".repeat(40), () => ""].map((f, k) =>
      v(`exchange form ${k}`, "exchange.invalid", (t) => ({ ...t, exchange: f(t.exchange as string) })))),
  variants("stray.type", "another message type on the same channel (funding, liquidation, kline, ticker)", true,
    ["funding", "liquidation", "kline", "ticker"].map((type) => v(type, "type.unknown", (t) => ({ type, exchange: t.exchange, symbol: t.symbol, ts: t.ts, rate: 0.0001 })))),
  variants("stray.not_object", "a message that is not an object (null, an array of ticks, \"ping\", 42)", true, [
    v("null", "schema.not_object", () => null),
    v("array", "schema.not_object", (t) => [t]),
    v("string", "schema.not_object", () => "ping"),
    v("number", "schema.not_object", () => 42),
  ]),
  variants("stray.too_many_fields", "a tick with 40 extra keys", true, [
    v("40 extra keys", "schema.too_many_fields", (t) => ({ ...t, ...Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`x${k}`, k])) })),
  ]),
  variants("stray.too_large", "a tick carrying a 20 KB field (its MessagePack size is passed to validate)", true, [
    v("20 KB note", "tick.too_large", (t) => ({ ...t, note: "x".repeat(20_000) })),
  ]),
  variants("stray.not_allowed", "a tick of an exchange or a symbol the config does not list (a misrouted feed)", true, [
    v("exchange ftx", "exchange.not_allowed", (t) => ({ ...t, exchange: "ftx" })),
    v("symbol LUNA-USDT", "symbol.not_allowed", (t) => ({ ...t, symbol: "LUNA-USDT" })),
  ]),
  // Bad ticks that carry a wrong but readable seq or ts: they are rejected, and must not move the
  // references the good ticks after them are measured against (docs/checks.md, state policies).
  variants("hostile.wild_seq", "an extra bad tick (price 0, or a crossed book) whose seq is 10⁹ ahead of its stream", true, [
    v("trade price 0", "price.nonpositive", (t) => ({ ...t, price: 0, seq: (t.seq as number) + 1e9 }), T),
    v("quote crossed", "quote.crossed", (t) => ({ ...t, bid: t.ask, ask: t.bid, seq: (t.seq as number) + 1e9 }), Q),
  ]),
  variants("hostile.ts_ahead", "an extra bad tick (a crossed book, or size 0) stamped 4.5 s ahead: inside maxClockSkewMs", true, [
    v("quote crossed", "quote.crossed", (t) => ({ ...t, bid: t.ask, ask: t.bid, ts: (t.ts as number) + 4_500_000 }), Q),
    v("trade size 0", "size.nonpositive", (t) => ({ ...t, size: 0, ts: (t.ts as number) + 4_500_000 }), T),
  ]),
];
