// A one-line progress bar on stderr, redrawn 4× a second on a TTY (once every 5 s otherwise, so CI
// logs stay short): elapsed / duration, last second's offered and answered ticks/s, ack p99, errors.
export interface Live {
  sent: number;
  acked: number;
  p99: number | null;
  errors: number;
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n)));

export function progress(enabled: boolean, label: string, durationS: number, live: (now: number) => Live) {
  if (!enabled) return () => {};
  const tty = process.stderr.isTTY;
  const t0 = performance.now();
  let lastLine = 0;
  const draw = (final = false) => {
    const now = performance.now();
    const el = Math.min((now - t0) / 1000, durationS);
    const width = 24;
    const done = Math.round((el / durationS) * width);
    const l = live(now);
    const line = `${label.padEnd(22).slice(0, 22)} [${"#".repeat(done)}${"-".repeat(width - done)}] ${el.toFixed(1)}/${durationS}s  offered ${fmt(l.sent)}/s  acked ${fmt(l.acked)}/s  ack p99 ${l.p99 ?? "-"} ms${l.errors ? `  errors ${fmt(l.errors)}/s` : ""}`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}${final ? "\n" : ""}`);
    else if (final || now - lastLine >= 5000) {
      process.stderr.write(line + "\n");
      lastLine = now;
    }
  };
  const timer = setInterval(draw, 250);
  return () => {
    clearInterval(timer);
    draw(true);
  };
}

/** A status line while waiting on something (the sink catching up, a server starting). */
export function note(enabled: boolean, text: string) {
  if (!enabled) return;
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${text}`);
  else process.stderr.write(text + "\n");
}
export function endNote(enabled: boolean) {
  if (enabled && process.stderr.isTTY) process.stderr.write("\n");
}
