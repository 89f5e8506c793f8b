// Polls both processes' /readyz twice a second during a phase and keeps the changes: which component
// said it was not ready, why, and when it was ready again. This is what explains a slow recovery
// (e.g. "sink: kafka: consumer has not joined its group" for 20 s after Kafka was back).
import type { System } from "./system.ts";

export interface ReadinessChange {
  /** ms from the phase's injection (negative: before it) */
  atMs: number;
  process: "ingest" | "sink";
  ready: boolean;
  /** the failing checks of /readyz, or why it did not answer */
  why: string;
}

const POLL_MS = 500;

/** The failing checks of a /readyz body, compact: `kafka: …; workers: …`. */
function whyNotReady(status: number | null, body: string): string {
  if (status === null) return `no answer (${body.slice(0, 120)})`;
  try {
    // `state` is the current server's fixed word for a failing part; `detail` an older server's message.
    const r = JSON.parse(body) as { checks?: Record<string, { ok: boolean; state?: string; detail?: string }> };
    const bad = Object.entries(r.checks ?? {}).filter(([, c]) => !c.ok).map(([k, c]) => `${k}: ${(c.state ?? c.detail ?? "not ok").slice(0, 160)}`);
    return bad.length ? bad.join("; ") : `${status}`;
  } catch {
    return `${status} ${body.slice(0, 120)}`;
  }
}

export function watchReadiness(system: System) {
  const changes: { at: number; process: "ingest" | "sink"; ready: boolean; why: string }[] = [];
  const last: Record<string, string> = {};
  const slowest = { ingest: 0, sink: 0 };
  let stopped = false;
  const poll = async (which: "ingest" | "sink") => {
    while (!stopped) {
      const t = performance.now();
      // Above the server's own probe bound (1.5 s): a slow answer is still an answer.
      const r = await system.readiness(which, 4000);
      slowest[which] = Math.max(slowest[which], Math.round(performance.now() - t));
      const ready = r.status === 200;
      const why = ready ? "" : whyNotReady(r.status, r.body);
      // A change of state, or of the reason while not ready (keeps the list short under a steady cause).
      const key = ready ? "ready" : why.replace(/\d+/g, "#");
      if (last[which] !== key) {
        last[which] = key;
        changes.push({ at: t, process: which, ready, why });
      }
      await Bun.sleep(Math.max(0, POLL_MS - (performance.now() - t)));
    }
  };
  const polling = Promise.all([poll("ingest"), poll("sink")]);
  return {
    /** the slowest /readyz answer of each process over the phase, ms */
    slowest,
    async stop(origin: number): Promise<ReadinessChange[]> {
      stopped = true;
      await polling;
      changes.sort((a, b) => a.at - b.at);
      return changes.map((c) => ({ atMs: Math.round(c.at - origin), process: c.process, ready: c.ready, why: c.why }));
    },
  };
}
