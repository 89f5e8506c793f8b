// Starts the system under test as a child process (tickgate's src/main.ts, or the baseline server)
// on a free loopback port with a topic prefix of its own, waits for /readyz, and stops it with
// SIGTERM. With --url the load tool uses a server someone else runs and starts nothing.
import type { Subprocess } from "bun";

export interface Sut {
  kind: "tickgate" | "baseline" | "external";
  url: string;
  /** TOPIC_PREFIX, or null when unknown (external server without --prefix) */
  prefix: string | null;
  /** the child runs a sink (Redis and PostgreSQL are part of the run) */
  sink: boolean;
  env: Record<string, string>;
  pid: number | null;
  /** the child process, when this tool started it (the chaos run signals it directly) */
  proc?: Subprocess;
  output(): string;
  stop(): Promise<number | null>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/** A port the OS says is free now (a random pick could hit an ephemeral port in use). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export interface StartOptions {
  kind: "tickgate" | "baseline";
  prefix: string;
  role: "all" | "ingest" | "sink";
  workers: number | null;
  /** listen on this port instead of a free one (a restarted server keeps its address) */
  port?: number;
  /** own process group: a Ctrl-C in the terminal reaches this tool only, which then stops the child itself */
  detached?: boolean;
  /** write a CPU profile of the server's main thread here (bun --cpu-prof) */
  profileDir?: string | null;
  /** extra environment (--env), applied last */
  env?: Record<string, string>;
  timeoutMs?: number;
}

export async function startSut(o: StartOptions): Promise<Sut> {
  const port = o.port ?? freePort();
  const script = o.kind === "tickgate" ? "src/main.ts" : "bench/baseline/server.ts";
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: "127.0.0.1",
    TOPIC_PREFIX: o.prefix,
    LOG_LEVEL: "warn",
  };
  if (o.kind === "tickgate") {
    env.ROLE = o.role;
    // A consumer group per run: a shared group over different topics would rebalance other runs.
    env.SINK_GROUP = `${o.prefix}.sink`;
    // No count trimming, so ZCARD counts every tick of the run (the run's keys are removed afterwards).
    env.REDIS_RETENTION_COUNT = "0";
    if (o.workers) env.WORKERS = String(o.workers);
  }
  Object.assign(env, o.env ?? {});
  let out = "";
  const prof = o.profileDir ? ["--cpu-prof", "--cpu-prof-md", `--cpu-prof-dir=${o.profileDir}`] : [];
  const proc: Subprocess = Bun.spawn([process.execPath, ...prof, script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
    detached: o.detached ?? false,
  });
  // Never leave a server behind: the child goes when the load tool goes (also on Ctrl-C, see load.ts).
  process.once("exit", () => proc.exitCode === null && proc.kill("SIGTERM"));
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      out += dec.decode(chunk, { stream: true });
      if (out.length > 200_000) out = out.slice(-100_000);
    }
  };
  void collect(proc.stdout as ReadableStream<Uint8Array>);
  void collect(proc.stderr as ReadableStream<Uint8Array>);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  let last = "";
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${o.kind} exited with ${proc.exitCode} before it was ready:\n${out.slice(-4000)}`);
    try {
      const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
      last = await r.text();
      if (r.ok) break;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`${o.kind} not ready within ${o.timeoutMs ?? 60_000} ms (last /readyz: ${last}):\n${out.slice(-4000)}`);
    }
    await Bun.sleep(100);
  }
  return {
    kind: o.kind,
    url,
    prefix: o.prefix,
    sink: o.kind === "tickgate" && o.role !== "ingest",
    env,
    pid: proc.pid,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.exitCode === null && proc.kill("SIGKILL"), 30_000);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export function externalSut(url: string, prefix: string | null, sink: boolean): Sut {
  return { kind: "external", url: url.replace(/\/$/, ""), prefix, sink, env: {}, pid: null, output: () => "", stop: async () => null };
}
