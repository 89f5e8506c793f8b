// Stops and starts one service of the local stack (scripts/stack.sh), for fault tests.
const ROOT = new URL("../../", import.meta.url).pathname;

export async function stack(action: "stop" | "start", service: "kafka" | "redis" | "postgres"): Promise<void> {
  const proc = Bun.spawn(["bash", "scripts/stack.sh", action, service], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`stack.sh ${action} ${service} failed: ${await new Response(proc.stderr).text()}`);
}

export async function listening(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}
