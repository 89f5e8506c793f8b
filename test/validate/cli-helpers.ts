// Runs the real `bun run validate` CLI as a child process, and writes its input files.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const CLI = "src/validate/validate-cli.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `bun src/validate/validate-cli.ts ...args`, with `stdin` piped in when given. CHECKS_CONFIG is unset unless `env` sets it. */
export async function cli(args: string[], opts: { stdin?: string | Uint8Array; env?: Record<string, string>; viaBunRun?: boolean } = {}): Promise<CliResult> {
  const cmd = opts.viaBunRun ? [process.execPath, "run", "validate", "--", ...args] : [process.execPath, CLI, ...args];
  const env: Record<string, string | undefined> = { ...process.env, CHECKS_CONFIG: undefined, ...opts.env };
  const proc = Bun.spawn(cmd, { cwd: ROOT, env, stdin: opts.stdin === undefined ? "ignore" : "pipe", stdout: "pipe", stderr: "pipe" });
  if (opts.stdin !== undefined) {
    const sink = proc.stdin as import("bun").FileSink;
    sink.write(opts.stdin);
    await sink.end();
  }
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

/** `--json` output, parsed (fails the test with the CLI's stderr when it is not JSON). */
export async function cliJson(args: string[], opts: Parameters<typeof cli>[1] = {}): Promise<{ code: number; report: any; stderr: string }> {
  const r = await cli(["--json", ...args], opts);
  let report: unknown;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), "tickgate-validate-"));

/** Writes `content` to a fresh file named `name` in a temporary directory; returns its path. */
export function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

export const ndjson = (ticks: unknown[]) => ticks.map((t) => JSON.stringify(t)).join("\n") + "\n";

/** Per index, the codes of a listing ([{index, codes}]), for comparing answers. */
export const byIndex = (listed: { index: number; codes: string[] }[]) => Object.fromEntries(listed.map((l) => [l.index, l.codes]));
