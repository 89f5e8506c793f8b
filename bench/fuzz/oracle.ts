// What counts as a failure. One answer (an HTTP response or a WebSocket frame's answer) is judged
// against the contract's verdict on its body (reference.ts); a whole case adds its transport's rules
// (no hang, one answer per frame in order, a raw socket ends in a 4xx or a close).
import type { Expect, FuzzCase, RawCase, WsCase } from "./case.ts";
import type { HttpOutcome, RawOutcome, WsOutcome } from "./transport.ts";

export type FailureKind =
  | "5xx" // a 5xx that is not a pipeline.* 503
  | "timeout" // no answer within the bound
  | "transport" // the connection failed without an answer
  | "shape" // an answer that is not {error, code} / {accepted, rejected, flagged, rejects}
  | "count" // accepted + rejected ≠ the ticks sent
  | "accepted-malformed" // 200 for a body the contract says must be refused
  | "refused-valid" // 4xx for a well-formed request the contract says must be taken
  | "code" // a 4xx with a code the contract does not give this body
  | "bad-tick" // a deliberately bad tick not rejected with its code
  | "ws-order" // answers missing, extra or out of frame order
  | "raw" // a raw socket answered 2xx/5xx, or neither answered nor closed
  | "unresponsive" // /healthz stopped answering during the run
  | "crash" // the server process exited
  | "final" // the closing good batch or /readyz failed
  | "shutdown"; // the server did not stop cleanly on SIGTERM

export interface Failure {
  kind: FailureKind;
  reason: string;
}

/** One judged answer: its status and code for the tallies, the failure if any. */
export interface Judged {
  status: number | "none";
  code: string;
  pipeline: boolean;
  failure?: Failure;
  /** ticks the server rejected in a batch of good ticks (stateful checks may; counted, not a failure) */
  goodRejected?: string[][];
  /** the answer listed fewer rejects than it counted (the list is bounded) */
  truncatedRejects?: boolean;
  /** a known limitation of the runtime showed (RawCase.knownLimit): reported, not a failure */
  known?: string;
  ticksCounted?: number;
}

/** A stable code: dotted ids, `<field or subject>.<problem>` (fields keep their camelCase: bidSize.negative). */
const DOTTED = /^[a-z][A-Za-z0-9_]*(\.[a-z][A-Za-z0-9_]*)+$/;
const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const fail = (j: Omit<Judged, "failure">, kind: FailureKind, reason: string): Judged => ({ ...j, failure: { kind, reason } });

/** Judges one answer. `ws` answers carry their status in the body (`status`, or none for a result). */
export function judgeAnswer(expect: Expect, status: number, body: unknown, http?: { contentType: string; retryAfter: string | null }): Judged {
  const b = (body ?? {}) as Record<string, unknown>;
  const code = typeof b.code === "string" ? b.code : "";
  const base: Judged = { status, code, pipeline: false };
  if (body === undefined) return fail(base, "shape", `status ${status} with a body that is not JSON`);
  if (http && !http.contentType.startsWith("application/json")) return fail(base, "shape", `status ${status} with content-type ${JSON.stringify(http.contentType)}`);
  if (status >= 500) {
    if (status === 503 && code.startsWith("pipeline.")) {
      const j = { ...base, pipeline: true };
      if (typeof b.error !== "string") return fail(j, "shape", "503 without an error message");
      if (http && !http.retryAfter) return fail(j, "shape", `503 ${code} without Retry-After`);
      return j;
    }
    return fail(base, "5xx", `${status} ${code || "(no code)"}: ${String(b.error ?? "").slice(0, 200)}`);
  }
  if (status >= 400) {
    if (typeof b.error !== "string" || !DOTTED.test(code)) return fail(base, "shape", `${status} without {error, code}: ${JSON.stringify(body).slice(0, 200)}`);
    if (expect.ticks !== undefined && !expect.refuse && !expect.codes?.includes(code)) {
      return fail(base, "refused-valid", `${status} ${code} for a well-formed request of ${expect.ticks} ticks: ${b.error}`);
    }
    if (expect.refuse && expect.codes && !expect.codes.includes(code)) {
      return fail(base, "code", `${status} ${code}, the contract says ${expect.codes.join(" or ")}: ${b.error}`);
    }
    return base;
  }
  if (status !== 200) return fail(base, "shape", `unexpected status ${status}`);
  return judgeResult(expect, b, base);
}

function judgeResult(expect: Expect, b: Record<string, unknown>, base: Judged): Judged {
  const { accepted, rejected, flagged, rejects } = b;
  if (!isCount(accepted) || !isCount(rejected) || !isCount(flagged) || !Array.isArray(rejects)) {
    return fail(base, "shape", `200 without {accepted, rejected, flagged, rejects}: ${JSON.stringify(b).slice(0, 200)}`);
  }
  const a = accepted as number, rj = rejected as number;
  const j: Judged = { ...base, ticksCounted: a + rj };
  if ((flagged as number) > a) return fail(j, "shape", `flagged ${flagged} > accepted ${a}`);
  if (rejects.length > rj) return fail(j, "shape", `${rejects.length} rejects listed, ${rj} counted`);
  if (rejects.length < rj) j.truncatedRejects = true;
  let last = -1;
  const codesAt = new Map<number, string[]>();
  for (const x of rejects as { index?: unknown; codes?: unknown }[]) {
    if (!isCount(x?.index) || !Array.isArray(x.codes) || x.codes.length === 0 || !x.codes.every((c) => typeof c === "string" && DOTTED.test(c))) {
      return fail(j, "shape", `a reject that is not {index, codes}: ${JSON.stringify(x).slice(0, 200)}`);
    }
    if ((x.index as number) <= last) return fail(j, "shape", `rejects not in index order at ${x.index}`);
    last = x.index as number;
    codesAt.set(last, x.codes as string[]);
  }
  if (expect.refuse) return fail(j, "accepted-malformed", `200 (${a} accepted, ${rj} rejected) for a body the contract refuses${expect.codes ? ` (${expect.codes.join(" or ")})` : ""}`);
  if (expect.ticks !== undefined) {
    if (a + rj !== expect.ticks) return fail(j, "count", `accepted ${a} + rejected ${rj} ≠ ${expect.ticks} ticks sent`);
    if (last >= expect.ticks) return fail(j, "shape", `reject index ${last} ≥ ${expect.ticks} ticks sent`);
  }
  if (expect.bad) {
    for (const [i, want] of Object.entries(expect.bad)) {
      const got = codesAt.get(Number(i));
      if (!j.truncatedRejects && !got?.includes(want)) return fail(j, "bad-tick", `tick ${i} should be rejected with ${want}, got ${got ? got.join(",") : "accepted"}`);
    }
  }
  if (expect.good) {
    const bad = new Set(Object.keys(expect.bad ?? {}).map(Number));
    j.goodRejected = [...codesAt].filter(([i]) => !bad.has(i)).map(([, codes]) => codes);
  }
  return j;
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** An HTTP case: its one answer, or the reason there is none. */
export function judgeHttp(c: FuzzCase & { transport: "http" }, o: HttpOutcome): Judged {
  if ("error" in o) {
    const base: Judged = { status: "none", code: o.timedOut ? "(timeout)" : "(connection error)", pipeline: false };
    if (o.timedOut) return fail(base, "timeout", `no answer within ${Math.round(o.ms)} ms`);
    if (c.expect.mayReset) return base;
    return fail(base, "transport", o.error);
  }
  return judgeAnswer(c.expect, o.answer.status, parse(o.answer.text), o.answer);
}

/** A WebSocket case: one answer per frame, `frame: n` in order, each judged like an HTTP answer. */
export function judgeWs(c: FuzzCase & WsCase, o: WsOutcome): Judged[] {
  const out: Judged[] = c.frames.map((f, i) => {
    const text = o.answers[i];
    if (text === undefined) {
      const why = o.timedOut ? "timeout" : o.closed ? `closed ${o.closed.code} ${o.closed.reason}`.trim() : o.error ?? "no answer";
      const base: Judged = { status: "none", code: `(${o.timedOut ? "timeout" : "no answer"})`, pipeline: false };
      return fail(base, o.timedOut ? "timeout" : "ws-order", `frame ${i + 1} of ${c.frames.length} got no answer (${why})`);
    }
    const body = parse(text) as Record<string, unknown> | undefined;
    if (body === undefined || typeof body !== "object") return fail({ status: "none", code: "", pipeline: false }, "shape", `frame ${i + 1}: answer is not a JSON object: ${text.slice(0, 120)}`);
    const status = typeof body.status === "number" ? body.status : "accepted" in body ? 200 : 0;
    const j = judgeAnswer(f.expect, status, body);
    if (body.frame !== i + 1 && !j.failure) return fail(j, "ws-order", `answer ${i + 1} says frame ${JSON.stringify(body.frame)}`);
    return j;
  });
  if (o.answers.length > c.frames.length) out.push(fail({ status: "none", code: "", pipeline: false }, "ws-order", `${o.answers.length} answers to ${c.frames.length} frames`));
  return out;
}

/** A raw socket: every answer a 4xx (or an allowed status), or a close; never open past the bound. */
export function judgeRaw(c: FuzzCase & RawCase, o: RawOutcome): Judged {
  const first = o.answers[0];
  const base: Judged = { status: first?.status ?? "none", code: first ? (parse(first.body) as { code?: string } | undefined)?.code ?? "" : o.closed ? "(closed)" : "(sent)", pipeline: false };
  for (const a of o.answers) {
    const allowed = (a.status >= 400 && a.status < 500) || c.statuses?.includes(a.status);
    if (!allowed && a.status >= 500) return fail({ ...base, status: a.status }, "5xx", `raw: ${a.status} ${a.body.slice(0, 200)}`);
    if (!allowed) return fail({ ...base, status: a.status }, "raw", `raw: answered ${a.status} (want a 4xx or a close): ${a.body.slice(0, 200)}`);
    if (a.status >= 400 && a.headers["content-type"]?.startsWith("application/json")) {
      const b = parse(a.body) as { error?: unknown; code?: unknown } | undefined;
      if (typeof b?.error !== "string" || typeof b.code !== "string" || !DOTTED.test(b.code)) return fail(base, "shape", `raw: ${a.status} without {error, code}: ${a.body.slice(0, 200)}`);
    }
  }
  const want = c.answers ?? 1;
  if (o.timedOut && o.answers.length < want) return fail(base, "raw", `raw: neither answered nor closed within ${Math.round(o.ms)} ms`);
  if (c.mustAnswer && o.answers.length < want && c.knownLimit) return { ...base, known: c.knownLimit };
  if (c.mustAnswer && o.answers.length < want) {
    return fail(base, "raw", `raw: ${want} well-formed request${want > 1 ? "s" : ""}, ${o.answers.length} answered; the connection ${o.closed ? `was closed after ${Math.round(o.ms)} ms` : "ended"}`);
  }
  return base;
}
