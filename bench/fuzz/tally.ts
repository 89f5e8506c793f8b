// Running totals of a fuzz run: answers by generator kind and by status/code, failures (each with
// what it takes to replay it), pipeline 503s apart, good ticks the server rejected, raw-socket endings.
import { caseBytes, type FuzzCase } from "./case.ts";
import { hexPreview, textPreview } from "./bytes.ts";
import type { FailureKind, Judged } from "./oracle.ts";

export interface FailureRecord {
  seed: number;
  index: number;
  kind: string;
  transport: FuzzCase["transport"];
  /** 1-based frame of a WebSocket case */
  frame?: number;
  failure: FailureKind;
  reason: string;
  status: number | "none";
  code: string;
  note: string;
  hex: string;
  text: string;
  replay: string;
}

export interface KindTally {
  cases: number;
  answers: number;
  failures: number;
  pipeline503: number;
  byStatus: Record<string, number>;
}

/** Failures kept in full; beyond this only counted (the first ones of each kind are the useful ones). */
const KEEP_FAILURES = 400;

export class Tally {
  cases = 0;
  answers = 0;
  byKind: Record<string, KindTally> = {};
  byStatus: Record<string, number> = {};
  failureCounts: Partial<Record<FailureKind, number>> = {};
  failures: FailureRecord[] = [];
  failuresTotal = 0;
  pipeline503: Record<string, number> = {};
  /** ticks in batches of good ticks, those a check rejected anyway, and the first such cases */
  good = { ticks: 0, rejected: 0, byCode: {} as Record<string, number>, examples: [] as { index: number; frame?: number; kind: string; codes: string[][]; replay: string }[] };
  ticksCounted = 0;
  truncatedRejects = 0;
  /** known limitations of the runtime that showed, by description (not failures) */
  known: Record<string, number> = {};
  raw: { index: number; note: string; ending: string; ms: number }[] = [];
  slowest: { index: number; kind: string; ms: number }[] = [];

  constructor(
    readonly seed: number,
    private readonly replayArgs: string,
  ) {}

  private kind(name: string): KindTally {
    return (this.byKind[name] ??= { cases: 0, answers: 0, failures: 0, pipeline503: 0, byStatus: {} });
  }

  caseDone(c: FuzzCase, ms: number) {
    this.cases++;
    this.kind(c.kind).cases++;
    this.slowest.push({ index: c.index, kind: c.kind, ms: Math.round(ms) });
    if (this.slowest.length > 40) this.slowest = this.slowest.sort((a, b) => b.ms - a.ms).slice(0, 10);
  }

  answer(c: FuzzCase, j: Judged, frame?: number) {
    this.answers++;
    const k = this.kind(c.kind);
    k.answers++;
    const key = j.code ? `${j.status} ${j.code}` : String(j.status);
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
    k.byStatus[key] = (k.byStatus[key] ?? 0) + 1;
    if (j.pipeline) {
      k.pipeline503++;
      this.pipeline503[j.code] = (this.pipeline503[j.code] ?? 0) + 1;
    }
    if (j.ticksCounted) this.ticksCounted += j.ticksCounted;
    if (j.truncatedRejects) this.truncatedRejects++;
    if (j.goodRejected) {
      this.good.ticks += j.ticksCounted ?? 0;
      this.good.rejected += j.goodRejected.length;
      for (const code of j.goodRejected.flat()) this.good.byCode[code] = (this.good.byCode[code] ?? 0) + 1;
      if (j.goodRejected.length && this.good.examples.length < 20) {
        this.good.examples.push({ index: c.index, frame, kind: c.kind, codes: j.goodRejected.slice(0, 5), replay: `bun run fuzz -- --seed ${this.seed} --only ${c.index}${this.replayArgs}` });
      }
    }
    if (j.known) this.known[j.known] = (this.known[j.known] ?? 0) + 1;
    if (j.failure) this.fail(c, j, frame);
  }

  fail(c: FuzzCase, j: Pick<Judged, "status" | "code"> & { failure?: Judged["failure"] }, frame?: number) {
    const f = j.failure!;
    this.failuresTotal++;
    this.failureCounts[f.kind] = (this.failureCounts[f.kind] ?? 0) + 1;
    this.kind(c.kind).failures++;
    if (this.failures.length >= KEEP_FAILURES) return;
    const data = c.transport === "ws" && frame ? c.frames[frame - 1].data : caseBytes(c);
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    this.failures.push({
      seed: this.seed, index: c.index, kind: c.kind, transport: c.transport, frame, failure: f.kind, reason: f.reason,
      status: j.status, code: j.code, note: c.note.slice(0, 300), hex: hexPreview(bytes), text: textPreview(bytes),
      replay: `bun run fuzz -- --seed ${this.seed} --only ${c.index}${this.replayArgs}`,
    });
  }

  /** A failure of the server as a whole (gone, not answering /healthz, not stopping cleanly, the closing check). */
  serverFailure(kind: FailureKind, reason: string, replay: string) {
    this.failuresTotal++;
    this.failureCounts[kind] = (this.failureCounts[kind] ?? 0) + 1;
    this.failures.unshift({ seed: this.seed, index: -1, kind: "server", transport: "http", failure: kind, reason, status: "none", code: "", note: "", hex: "", text: "", replay });
  }

  rawEnding(c: FuzzCase, ending: string, ms: number) {
    this.raw.push({ index: c.index, note: c.note, ending, ms: Math.round(ms) });
  }

  topSlowest(n = 10) {
    return [...this.slowest].sort((a, b) => b.ms - a.ms).slice(0, n);
  }
}
