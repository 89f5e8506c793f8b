// CPU use over a measured span, from /proc (Linux): the whole machine (busy share of all vCPUs), the
// server process (all its threads), and the load tool itself, as % of one vCPU. null elsewhere.
import { existsSync, readdirSync, readFileSync } from "node:fs";

const HZ = 100; // USER_HZ on Linux

function machine(): { busy: number; total: number } | null {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    const total = f.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function proc(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / HZ; // utime + stime, s
  } catch {
    return null;
  }
}

/** CPU seconds of the local stack's processes by service (every process of that name on the box). */
function stack(): Map<string, { svc: string; sec: number }> {
  const out = new Map<string, { svc: string; sec: number }>();
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const svc = comm === "java" ? "kafka" : comm.startsWith("redis-server") ? "redis" : comm === "postgres" ? "postgres" : null;
      if (!svc) continue;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(pid, { svc, sec: (Number(f[11]) + Number(f[12])) / HZ });
    } catch {}
  }
  return out;
}

/**
 * CPU seconds of the server's threads by role. Bun names its threads: "bun" (main), "Worker" (one per
 * worker thread, created in order: the validators first, then the sink with ROLE=all), "JITWorker",
 * "HeapHelper" / "Collector Thread" (GC), "Bun Pool n" (I/O).
 */
function threads(pid: number, validators: number): Record<string, number> {
  const out: Record<string, number> = { main: 0, validators: 0, sink: 0, jit: 0, gc: 0, other: 0 };
  let tids: number[];
  try {
    tids = readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => a - b);
  } catch {
    return out;
  }
  let workers = 0;
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const sec = (Number(f[11]) + Number(f[12])) / HZ;
      const role = tid === pid ? "main" : comm === "Worker" ? (workers++ < validators ? "validators" : "sink") : comm === "JITWorker" ? "jit" : /HeapHelper|ollector/.test(comm) ? "gc" : "other";
      out[role] += sec;
    } catch {}
  }
  return out;
}

/** Per-process deltas (a process that ended during the span is missed, one that started counts whole). */
function stackDelta(a: ReturnType<typeof stack>, b: ReturnType<typeof stack>, wall: number): Record<string, number> {
  const out: Record<string, number> = { kafka: 0, redis: 0, postgres: 0 };
  for (const [pid, p] of b) out[p.svc] += p.sec - (a.get(pid)?.sec ?? 0);
  for (const k of Object.keys(out)) out[k] = Math.round((out[k] / wall) * 1000) / 10;
  return out;
}

export interface CpuUse {
  machineBusyPct: number | null;
  serverPct: number | null;
  loadToolPct: number;
  /** % of one vCPU used by the local Kafka / Redis / PostgreSQL (all their users, not only this run) */
  stackPct: Record<string, number>;
  /** % of one vCPU by server thread role (threads that ended during the step are missed) */
  serverThreadsPct: Record<string, number> | null;
}

export function cpuMeter(serverPid: number | null, validators: number) {
  const m0 = machine();
  const s0 = serverPid && existsSync(`/proc/${serverPid}`) ? proc(serverPid) : null;
  const l0 = process.cpuUsage();
  const k0 = stack();
  const th0 = serverPid ? threads(serverPid, validators) : null;
  const t0 = performance.now();
  return (): CpuUse => {
    const wall = (performance.now() - t0) / 1000;
    const m1 = machine();
    const s1 = serverPid ? proc(serverPid) : null;
    const l = process.cpuUsage(l0);
    const k1 = stack();
    const th1 = serverPid ? threads(serverPid, validators) : null;
    const pct = (v: number) => Math.round(v * 10) / 10;
    return {
      machineBusyPct: m0 && m1 && m1.total > m0.total ? pct(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100) : null,
      serverPct: s0 !== null && s1 !== null ? pct(((s1 - s0) / wall) * 100) : null,
      loadToolPct: pct(((l.user + l.system) / 1e6 / wall) * 100),
      serverThreadsPct: th0 && th1 ? Object.fromEntries(Object.keys(th1).map((k) => [k, pct(((th1[k] - (th0[k] ?? 0)) / wall) * 100)])) : null,
      stackPct: stackDelta(k0, k1, wall),
    };
  };
}
