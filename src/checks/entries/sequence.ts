// Checks of the tick's seq against its stream: trades and quotes of an exchange:symbol are separate
// streams, each with its own numbering. They run for every tick whose type is known, rejected ones
// too (define.ts, "sequence"), and exclude each other; a tick without seq (NaN) fires none of them.
import { none, sequence } from "../define.ts";
import { KIND_TRADE, type Scratch } from "../scratch.ts";
import { F_STRIDE, S_QUOTE_SEQ, S_QUOTE_SEQ_ACCEPTED, S_TRADE_SEQ, S_TRADE_SEQ_ACCEPTED, type SymbolStore } from "../state.ts";

/** The highest seq received on the tick's stream, NaN = none. */
const lastSeq = (c: Scratch, st: SymbolStore, s: number) => st.values[s * F_STRIDE + (c.kind === KIND_TRADE ? S_TRADE_SEQ : S_QUOTE_SEQ)]!;
/** The seq of the stream's last accepted in-order tick, NaN = none. */
const acceptedSeq = (c: Scratch, st: SymbolStore, s: number) => st.values[s * F_STRIDE + (c.kind === KIND_TRADE ? S_TRADE_SEQ_ACCEPTED : S_QUOTE_SEQ_ACCEPTED)]!;

/** The one state policy of the three seq checks: they read one reference per stream. */
const SEQ_STATE =
  "Reference: the highest seq received on the stream, which seq.gap and seq.out_of_order compare with. An accepted tick above it moves it " +
  "up. A rejected tick moves it only when it is the very next one (reference + 1): a tick rejected for its content (a crossed book, a " +
  "price spike, a stale ts) was still received, so the tick after it is not a gap — but a rejected tick cannot push the reference further, " +
  "so bad ticks with wild seqs cannot make the good ones after them look out of order. It never moves backwards: an out-of-order tick " +
  "(a replay, a late message) leaves it, so the in-order tick after it is not a gap either. The one exception: seqReanchorAfter accepted " +
  "out-of-order ticks in a row, each above the one before, mean the feed renumbered (a reconnect, a reset), and the last of them becomes " +
  "the reference (a replay of as many rising old ticks does the same; with seq.out_of_order set to reject nothing re-anchors). " +
  "seq.duplicate compares with the seq of the last accepted in-order tick instead, so it means \"this seq was delivered\": a rejected " +
  "tick's corrected re-send is judged on its own, and a retry answered seq.duplicate alone was delivered before. A symbol not yet " +
  "tracked (no accepted tick) has no reference.";

export const SEQUENCE = [
  sequence({ id: "seq.duplicate", severity: "reject", overridable: true, params: none, reads: ["seq"], state: SEQ_STATE,
    description: "seq equals the seq of the symbol's last accepted in-order tick of the stream (trades and quotes are separate streams): it was delivered.",
    fires: (c, _p, st, s) => s >= 0 && c.seq === acceptedSeq(c, st, s) }),
  sequence({ id: "seq.out_of_order", severity: "flag", overridable: true, reads: ["seq"], state: SEQ_STATE,
    params: {
      seqReanchorAfter: { default: 5, type: "integer", min: 0, description: "After this many accepted out-of-order ticks in a row, each above the one before, the stream is taken as renumbered and the last becomes the reference; 0 = never." },
    },
    description: "seq is below the highest seq received on the stream (a replay or a late message; the reference stays where it is).",
    fires: (c, _p, st, s) => s >= 0 && c.seq < lastSeq(c, st, s) }),
  sequence({ id: "seq.gap", severity: "flag", overridable: true, params: none, reads: ["seq"], state: SEQ_STATE,
    description: "seq is more than 1 above the highest seq received on the stream (messages were lost upstream).",
    fires: (c, _p, st, s) => s >= 0 && c.seq > lastSeq(c, st, s) + 1 }),
];
