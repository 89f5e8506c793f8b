// scripts/stack.sh from the chaos run, with this process's environment (STACK_DIR, KAFKA_BROKERS,
// REDIS_URL, DATABASE_URL pick the stack) and a bound on every call: a service that does not come
// back must fail the phase, not hang the run.
import { readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url).pathname;

export type Service = "kafka" | "redis" | "postgres";

export async function stack(cmd: "kill" | "stop" | "start", service: Service, timeoutMs?: number): Promise<string>;
export async function stack(cmd: "up" | "status", service?: undefined, timeoutMs?: number): Promise<string>;
export async function stack(cmd: string, service?: Service, timeoutMs = 180_000): Promise<string> {
  const args = ["bash", "scripts/stack.sh", cmd, ...(service ? [service] : [])];
  // Its own process group: a Ctrl-C must not cut a service's start in half.
  const proc = Bun.spawn(args, { cwd: ROOT, env: process.env, stdout: "pipe", stderr: "pipe", detached: true });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  const text = (out + err).trim();
  if (code !== 0) throw new Error(`stack.sh ${cmd}${service ? " " + service : ""} failed (exit ${code}${proc.signalCode ? `, ${proc.signalCode} after ${timeoutMs} ms` : ""}):\n${text.slice(-2000)}`);
  return text;
}

/** `stack.sh up`, blocking (bounded): the last thing done on a forced exit, so no service stays down. */
export function stackUpSync(timeoutMs = 180_000): boolean {
  const r = Bun.spawnSync(["bash", "scripts/stack.sh", "up"], { cwd: ROOT, env: process.env, stdout: "inherit", stderr: "inherit", timeout: timeoutMs });
  return r.exitCode === 0;
}

/** Which stack the run will fault, for the report and a last look before killing anything. */
export function stackDescription(): { dir: string; kafka: string; redis: string; postgres: string } {
  return {
    dir: process.env.STACK_DIR ?? `${ROOT}.stack`,
    kafka: process.env.KAFKA_BROKERS ?? "127.0.0.1:9092",
    redis: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    postgres: (process.env.DATABASE_URL ?? "postgres://tickgate:tickgate@127.0.0.1:5432/tickgate").replace(/:[^:@/]*@/, ":***@"),
  };
}

/** Every service of the run's stack was started by this stack.sh (only then may the run kill or stop it). */
export function ownedServices(): Record<Service, boolean> {
  const dir = stackDescription().dir;
  const owned = (s: Service) => {
    try {
      readFileSync(`${dir}/${s}/started-by-stack`);
      return true;
    } catch {
      return false;
    }
  };
  return { kafka: owned("kafka"), redis: owned("redis"), postgres: owned("postgres") };
}
