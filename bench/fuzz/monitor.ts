// Watches the server while the fuzzer runs: RSS (VmRSS from /proc/<pid>/status; Bun's worker threads
// share the process), whether it still answers /healthz, and whether the process is still there.
import { readFileSync } from "node:fs";

export interface RssSample {
  /** seconds since the run started */
  t: number;
  rssMb: number;
}

export function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export interface Monitor {
  samples: RssSample[];
  /** health problems seen, each once per episode */
  problems: { t: number; kind: "unresponsive" | "crash"; reason: string }[];
  stop(): void;
  peakMb(): number | null;
}

export function startMonitor(url: string, pid: number | null, opts: { everyMs?: number; healthTimeoutMs?: number; exited?: () => boolean } = {}): Monitor {
  const t0 = performance.now();
  const samples: RssSample[] = [];
  const problems: Monitor["problems"] = [];
  const at = () => (performance.now() - t0) / 1000;
  let unhealthy = false;
  let gone = false;
  let probing = false;
  const tick = async () => {
    if (pid !== null) {
      const mb = rssMb(pid);
      if (mb !== null) samples.push({ t: at(), rssMb: mb });
      if ((mb === null || opts.exited?.()) && !gone) {
        gone = true;
        problems.push({ t: at(), kind: "crash", reason: `server process ${pid} is gone` });
      }
    }
    if (probing || gone) return;
    probing = true;
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(opts.healthTimeoutMs ?? 5000) });
      await r.text();
      if (!r.ok) throw new Error(`status ${r.status}`);
      unhealthy = false;
    } catch (err) {
      if (!unhealthy) problems.push({ t: at(), kind: "unresponsive", reason: `/healthz: ${String((err as Error)?.message ?? err)}` });
      unhealthy = true;
    } finally {
      probing = false;
    }
  };
  const timer = setInterval(tick, opts.everyMs ?? 1000);
  void tick();
  return {
    samples,
    problems,
    stop: () => clearInterval(timer),
    peakMb: () => (samples.length ? Math.max(...samples.map((s) => s.rssMb)) : null),
  };
}

/**
 * The lowest RSS over `seconds` of idling: the heap of a garbage-collected server shrinks some
 * seconds after a burst of large bodies, so "after" right at the end overstates what it keeps.
 */
export async function settledRssMb(pid: number, seconds: number): Promise<number | null> {
  let low = rssMb(pid);
  for (const end = performance.now() + seconds * 1000; performance.now() < end; ) {
    await Bun.sleep(500);
    const mb = rssMb(pid);
    if (mb !== null && (low === null || mb < low)) low = mb;
  }
  return low;
}

/** Validator workers restarted so far (GET /v1/stats): one restarted by a body is a crash the 503 it causes would hide. */
export async function workerRestarts(url: string): Promise<number | null> {
  try {
    const r = await fetch(`${url}/v1/stats`, { signal: AbortSignal.timeout(5000) });
    const n = ((await r.json()) as { workerRestarts?: unknown }).workerRestarts;
    return typeof n === "number" ? n : null;
  } catch {
    return null;
  }
}

/** The server's own warn/error log lines (JSON, one per line), counted by message, with a sample of each. */
export function logSummary(output: string): { level: string; msg: string; count: number; sample: string }[] {
  const by = new Map<string, { level: string; msg: string; count: number; sample: string }>();
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    let e: { level?: string; msg?: string };
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (e.level !== "warn" && e.level !== "error") continue;
    const key = `${e.level} ${e.msg}`;
    const x = by.get(key) ?? { level: e.level, msg: String(e.msg), count: 0, sample: line.slice(0, 600) };
    x.count++;
    by.set(key, x);
  }
  return [...by.values()].sort((a, b) => b.count - a.count);
}
