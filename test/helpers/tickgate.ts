// Starts a real tickgate process (src/main.ts) on a free port against the local stack, with a
// topic prefix of its own so tests never see each other's records.
import type { Subprocess } from "bun";
import { freePort } from "../../bench/load/target.ts";
import { uniqueName } from "./stack.ts";

export interface Running {
  url: string;
  ws: string;
  prefix: string;
  proc: Subprocess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/** Starts tickgate and waits until `until` answers 200 (/readyz by default; /healthz for a process whose stack is broken on purpose). */
export async function startTickgate(env: Record<string, string> = {}, timeoutMs = 30_000, until = "/readyz"): Promise<Running> {
  const prefix = env.TOPIC_PREFIX ?? uniqueName("t");
  const port = String(freePort());
  let out = "";
  const proc = Bun.spawn([process.execPath, "src/main.ts"], {
    cwd: ROOT,
    // A consumer group, table and Redis key prefix of its own too, for tests that run the sink (ROLE=all).
    env: {
      ...process.env, ROLE: "ingest", PORT: port, TOPIC_PREFIX: prefix, KAFKA_PARTITIONS: "2", LOG_LEVEL: "warn",
      SINK_GROUP: `${prefix}-sink`, SINK_TABLE: `ticks_${prefix}`, REDIS_KEY_PREFIX: `${prefix}:`, ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  // Never outlive the test run, whatever a test did or failed to do with it.
  process.once("exit", () => proc.exitCode === null && proc.kill("SIGKILL"));
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) out += new TextDecoder().decode(chunk);
  };
  void collect(proc.stdout as ReadableStream<Uint8Array>);
  void collect(proc.stderr as ReadableStream<Uint8Array>);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`tickgate exited with ${proc.exitCode}:\n${out}`);
    try {
      const r = await fetch(`${url}${until}`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      proc.kill();
      throw new Error(`tickgate not ready within ${timeoutMs} ms:\n${out}`);
    }
    await Bun.sleep(100);
  }
  return {
    url,
    ws: `ws://127.0.0.1:${port}/v1/stream`,
    prefix: env.TOPIC_PREFIX ?? prefix,
    proc,
    output: () => out,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      return await proc.exited;
    },
  };
}

/** Sends `frames` on one WebSocket to `url` and resolves with the answers, one per frame, in order. */
export async function wsAnswers(url: string, frames: (string | Uint8Array)[]): Promise<any[]> {
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  const answers: any[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => frames.forEach((f) => ws.send(f));
    ws.onmessage = (e) => {
      answers.push(JSON.parse(String(e.data)));
      if (answers.length === frames.length) resolve();
    };
    ws.onerror = () => reject(new Error("websocket error"));
  });
  ws.close();
  return answers;
}
