// What one fuzz case is (a body to POST, WebSocket frames, or raw bytes for a TCP socket) and what
// the contract says it must get. Generators build these; the runner sends them; the oracle judges.

/**
 * The contract's verdict on a body, from the reference model (reference.ts), not from the server:
 * - `ticks`: the body is a well-formed request of that many ticks: a 200 must count each once
 *   (accepted + rejected = ticks);
 * - `refuse`: the body is malformed: a 200 is wrong;
 * - `codes`: the 4xx codes the contract allows here (with `ticks`, a 4xx with one of them is allowed
 *   too, e.g. a BOM some servers accept and some refuse); absent = any dotted code;
 * - nothing set: the contract does not decide (an ext type, an odd content type): any well-formed
 *   answer below 500 will do.
 */
export interface Expect {
  ticks?: number;
  refuse?: boolean;
  codes?: string[];
  /** index → code: generated bad ticks that must be rejected with that code */
  bad?: Record<number, string>;
  /** every tick is a good one on a symbol of its own: rejects are counted (not failures) */
  good?: boolean;
  /** the server may reset the connection instead of answering (a body over the limit) */
  mayReset?: boolean;
}

export interface HttpCase {
  transport: "http";
  path: string;
  /** header pairs; a name may repeat (fetch joins repeats with ", ") */
  headers: [string, string][];
  body: Uint8Array;
  /** send the body as a stream in these chunk sizes (chunked transfer encoding) instead of whole */
  chunks?: number[];
  expect: Expect;
}

export interface WsFrame {
  /** string → text frame (JSON), bytes → binary frame (MessagePack) */
  data: string | Uint8Array;
  expect: Expect;
}

export interface WsCase {
  transport: "ws";
  frames: WsFrame[];
}

/** Raw HTTP/1.1 bytes on a TCP socket; the answer must be a 4xx (or one of `statuses`) or a close. */
export interface RawCase {
  transport: "raw";
  bytes: Uint8Array;
  /** after writing: "end" closes at once (nothing to observe but the server's health), "half" shuts
   * the write side and reads the answer, "hold" keeps the socket open and reads */
  then: "end" | "half" | "hold";
  /** statuses allowed besides 4xx (e.g. 200 for well-formed pipelined requests) */
  statuses?: number[];
  /** answers to wait for before the case is done (default 1) */
  answers?: number;
  /** the requests are well-formed: a close before all `answers` arrived is a failure, not an ending */
  mustAnswer?: boolean;
  /**
   * A close without all answers is a known limitation of the runtime under tickgate, not of tickgate:
   * counted and reported under this name, not failed.
   */
  knownLimit?: string;
}

export type FuzzCase = { index: number; kind: string; note: string } & (HttpCase | WsCase | RawCase);

/** The bytes a case sends, for previews and --only dumps. */
export function caseBytes(c: FuzzCase): Uint8Array {
  if (c.transport === "http") return c.body;
  if (c.transport === "raw") return c.bytes;
  const first = c.frames[0]?.data ?? "";
  return typeof first === "string" ? new TextEncoder().encode(first) : first;
}
