// Sends the cases of a run with a bounded number in flight (raw sockets on a pool of their own, as
// some of them wait out the server's idle timeout) and judges each answer as it comes back.
import type { FuzzCase } from "./case.ts";
import { caseAt, isRawIndex, type GenContext } from "./generators.ts";
import { judgeHttp, judgeRaw, judgeWs, type Judged } from "./oracle.ts";
import { Tally } from "./tally.ts";
import { sendHttp, sendRaw, sendWs } from "./transport.ts";

export interface RunConfig {
  url: string;
  gen: GenContext;
  indices: number[];
  concurrency: number;
  rawConcurrency: number;
  timeoutMs: number;
  holdTimeoutMs: number;
  /** appended to each failure's replay command (e.g. " --url …") */
  replayArgs: string;
  /** checked between cases: true stops the run (the server is gone) */
  stop?: () => boolean;
  /** called after each case (progress, verbose replays) */
  onCase?: (c: FuzzCase, judged: Judged[], detail: unknown) => void;
}

/** Sends one case and judges what came back. */
export async function runCase(cfg: RunConfig, c: FuzzCase): Promise<{ judged: Judged[]; detail: unknown; ms: number }> {
  if (c.transport === "http") {
    const o = await sendHttp(cfg.url, c, cfg.timeoutMs);
    return { judged: [judgeHttp(c, o)], detail: o, ms: o.ms };
  }
  if (c.transport === "ws") {
    const o = await sendWs(cfg.url, c, cfg.timeoutMs);
    return { judged: judgeWs(c, o), detail: o, ms: o.ms };
  }
  const { hostname, port } = new URL(cfg.url);
  const o = await sendRaw(hostname, Number(port), c, c.then === "hold" ? cfg.holdTimeoutMs : cfg.timeoutMs);
  return { judged: [judgeRaw(c, o)], detail: o, ms: o.ms };
}

export async function runCases(cfg: RunConfig): Promise<{ tally: Tally; seconds: number }> {
  const tally = new Tally(cfg.gen.seed, cfg.replayArgs);
  const t0 = performance.now();
  const raw = cfg.indices.filter(isRawIndex);
  const rest = cfg.indices.filter((i) => !isRawIndex(i));
  const lane = async (queue: number[], cursor: { at: number }) => {
    while (cursor.at < queue.length && !cfg.stop?.()) {
      const c = caseAt(cfg.gen, queue[cursor.at++]);
      const { judged, detail, ms } = await runCase(cfg, c);
      judged.forEach((j, i) => tally.answer(c, j, c.transport === "ws" ? i + 1 : undefined));
      if (c.transport === "raw") {
        const o = detail as { answers: { status: number }[]; closed: boolean; timedOut: boolean };
        const ending = o.answers.length ? `answered ${o.answers.map((a) => a.status).join(", ")}` : o.closed ? "closed, no answer" : o.timedOut ? "still open" : "sent, then closed by us";
        tally.rawEnding(c, ending, ms);
      }
      tally.caseDone(c, ms);
      cfg.onCase?.(c, judged, detail);
    }
  };
  const lanes = (queue: number[], n: number) => {
    const cursor = { at: 0 };
    return Array.from({ length: Math.min(n, queue.length) }, () => lane(queue, cursor));
  };
  await Promise.all([...lanes(rest, cfg.concurrency), ...lanes(raw, cfg.rawConcurrency)]);
  return { tally, seconds: (performance.now() - t0) / 1000 };
}
