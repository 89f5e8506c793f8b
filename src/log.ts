// One JSON line per event on stderr, filtered by LOG_LEVEL. JSON.stringify escapes newlines, so a
// value cannot start a line of its own, and a field cannot pass for one of the line's own keys
// (time, level, msg): such a field is written as `field.<name>` instead.
const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;
const threshold = LEVELS[(process.env.LOG_LEVEL as Level) ?? "info"] ?? LEVELS.info;
const RESERVED = new Set(["time", "level", "msg"]);

/** The log line of an event, as written. */
export function logLine(level: Level, msg: string, fields?: Record<string, unknown>): string {
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
  if (fields) for (const [k, v] of Object.entries(fields)) line[RESERVED.has(k) ? `field.${k}` : k] = v;
  return JSON.stringify(line);
}

function write(level: Level, msg: string, fields?: Record<string, unknown>) {
  if (LEVELS[level] < threshold) return;
  console.error(logLine(level, msg, fields));
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
};
