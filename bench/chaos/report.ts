// The chaos run's result as JSON and markdown: one table row per fault, then each phase's details
// (answers, notes, examples of lost or doubled ticks) and the findings the run derives by itself.
import type { PhaseAccount } from "./account.ts";
import type { PhaseResult } from "./phase.ts";

export interface ChaosResult {
  startedAt: string;
  command: string;
  machine: { cpus: number; model: string; bun: string; os: string };
  stack: { dir: string; kafka: string; redis: string; postgres: string };
  run: { id: string; prefix: string; group: string; table: string; keyPrefix: string };
  options: Record<string, unknown>;
  phases: (PhaseResult & { account: PhaseAccount | null })[];
  totals: { validRecords: number; rejectedRecords: number; redisMembers: number; pgRows: number; unreadableRecords: number } | null;
  /** identities in .valid that no phase sent (must be none) */
  unknownInValid: string[];
  accountError: string | null;
  /** events outside any phase (start-up, the end) */
  events: { process: string; what: string; output?: string }[];
  findings: string[];
}

const n = (v: number | null | undefined) => (v === null || v === undefined ? "–" : Math.round(v).toLocaleString("en-US"));
const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? "never" : `${(ms / 1000).toFixed(1)} s`);

function answersText(a: Record<string, number>): string {
  const e = Object.entries(a).sort((x, y) => y[1] - x[1]);
  return e.length ? e.map(([k, v]) => `${k} ×${n(v)}`).join(", ") : "none";
}

/** Problems worth a human's attention, derived from the result (the report lists them first). */
export function findings(r: Omit<ChaosResult, "findings">): string[] {
  const f: string[] = [];
  for (const p of r.phases) {
    const a = p.account;
    const tag = `[${p.fault}]`;
    if (p.status === "failed") f.push(`${tag} the phase failed: ${p.error?.split("\n")[0]}`);
    if (p.status === "not available") f.push(`${tag} fault not available: ${p.error}`);
    if (p.status === "aborted") f.push(`${tag} aborted (Ctrl-C): the account covers the ticks acknowledged until then${p.settleMs === null ? "; the sink had not stored them all when the run stopped, so the stores' side is partial" : ""}`);
    if (a && a.lost.total) f.push(`${tag} LOST ${a.lost.total} acknowledged ticks (not in .valid ${a.lost.notInValid}, not in .rejected ${a.lost.notInRejected}, not in Redis ${a.lost.notInRedis}, not in PostgreSQL ${a.lost.notInPg}, rejected as a duplicate of a tick that is not in .valid ${a.lost.duplicateOfNothing})`);
    if (a && a.doubledStores.total) f.push(`${tag} DOUBLED IN A STORE: ${a.doubledStores.total} ticks (Redis ${a.doubledStores.redis}, PostgreSQL ${a.doubledStores.pg})`);
    if (a && a.misleading.total) f.push(`${tag} misleading 503: ${a.misleading.total} ticks reached Kafka from an attempt answered "none of the ticks were taken"`);
    const noRetry = a?.doubledKafka.byCause["no retry (first attempt answered 200)"];
    if (noRetry) f.push(`${tag} ${noRetry} ticks are in .valid more than once although their first attempt was answered 200 (no client retry)`);
    if (a && a.refused) f.push(`${tag} ${a.refused} ticks in well-formed batches were refused with a 4xx`);
    if (p.recovery.first200Ms === null && p.status === "ok") f.push(`${tag} ingest did not answer 200 again within the recovery bound`);
    if (p.recovery.sinkCaughtUpMs === null && p.status === "ok") f.push(`${tag} the sink did not catch up within the recovery bound`);
    if (p.settleMs === null && p.status !== "aborted") f.push(`${tag} the sink had not stored the phase's ticks within the settle bound`);
    for (const h of p.healed) f.push(`${tag} did not recover by itself — ${h}`);
    for (const e of p.events) f.push(`${tag} ${e.process} ${e.what}`);
    for (const note of p.notes) if (/exited with (?!0 )/.test(note)) f.push(`${tag} ${note}`);
    if (p.inconsistentAnswers.length) f.push(`${tag} ${p.inconsistentAnswers.length} answers did not add up, e.g. ${p.inconsistentAnswers[0]}`);
    const ans = Object.keys(p.answers).filter((k) => !/^503 pipeline\.|^connection error$|^timeout$/.test(k));
    if (ans.length) f.push(`${tag} unexpected answers: ${ans.map((k) => `${k} ×${p.answers[k]}`).join(", ")}`);
  }
  for (const e of r.events) f.push(`[run] ${e.process} ${e.what}`);
  if (r.unknownInValid.length) f.push(`[run] .valid holds ticks no phase sent: ${r.unknownInValid.slice(0, 3).join(", ")}`);
  if (r.accountError) f.push(`[run] the loss account could not be made: ${r.accountError}`);
  return f;
}

export function table(r: ChaosResult): string {
  const L: string[] = [];
  L.push("| fault | load ticks/s offered / acked | acknowledged (accepted / rejected) | stored (Redis ∩ PG) | lost | doubled in Kafka | doubled in stores | recovery: first 200 / sink caught up | 503s by code, connection errors |");
  L.push("|---|---:|---:|---:|---:|---:|---:|---|---|");
  for (const p of r.phases) {
    const a = p.account;
    const fault = p.status === "ok" ? p.title : `${p.title} — **${p.status}**`;
    L.push(
      `| ${fault} | ${n(p.offeredPerS)} / ${n(p.ackedPerS)} | ${a ? `${n(a.acknowledged)} (${n(a.accepted)} / ${n(a.rejected)})` : "–"} | ${a ? n(a.stored) : "–"} | ${a ? (a.lost.total ? `**${n(a.lost.total)}**` : "0") : "–"} | ${a ? n(a.doubledKafka.total) : "–"} | ${a ? (a.doubledStores.total ? `**${n(a.doubledStores.total)}**` : "0") : "–"} | ${p.status === "not available" ? "–" : `${s(p.recovery.first200Ms)} / ${s(p.recovery.sinkCaughtUpMs)}`} | ${answersText(p.answers)} |`,
    );
  }
  return L.join("\n");
}

/** `503 pipeline.unavailable → 503 pipeline.busy ×19`: runs of the same answer folded. */
function attemptsText(before: string[]): string {
  if (before.length === 0) return "nothing";
  const runs: [string, number][] = [];
  for (const a of before) {
    const last = runs[runs.length - 1];
    if (last && last[0] === a) last[1]++;
    else runs.push([a, 1]);
  }
  return runs.map(([a, k]) => (k > 1 ? `${a} ×${k}` : a)).join(" → ");
}

const exampleLine = (e: PhaseAccount["lost"]["examples"][number]) =>
  `\`${e.id}\` ${e.outcome}${e.codes ? ` (${e.codes.join(",")})` : ""}, before its 200: ${attemptsText(e.before)}; in .valid ×${e.valid}, .rejected ×${e.rejected}, Redis ×${e.redis}, PostgreSQL ×${e.pg}`;

export function markdown(r: ChaosResult): string {
  const L: string[] = [];
  L.push(`## Faults under load (\`bun run chaos\`)`, "");
  L.push(`\`${r.command}\` — ${r.startedAt}, ${r.machine.cpus} × ${r.machine.model}, Bun ${r.machine.bun}, ${r.machine.os}. ` +
    `One ROLE=ingest process (WORKERS=${r.options.workers}) and one ROLE=sink process on topics \`${r.run.prefix}.*\` (${r.options.partitions} partitions), ` +
    `${r.options.connections} HTTP clients × batches of ${r.options.batch} at ${r.options.rate} ticks/s offered, each retrying its batch until it gets 200.`, "");
  L.push(table(r), "");
  L.push("Recovery times are from the injection. *First 200*: the first 200 to a request sent after the injection. " +
    "*Sink caught up*: the sink's group had committed every record that was in `.valid` once ingest answered 200 again after the fault " +
    "(it commits only after Redis and PostgreSQL took a batch). *Doubled in Kafka* is allowed after an \"outcome unknown\" answer; " +
    "*lost* and *doubled in stores* must be 0.", "");
  L.push("### Findings", "");
  L.push(...(r.findings.length ? r.findings.map((f) => `- ${f}`) : ["- none: nothing lost, nothing stored twice, every component recovered by itself"]), "");
  L.push("### Phases", "");
  for (const p of r.phases) {
    const a = p.account;
    L.push(`**${p.title}** — ${p.status}; load ${p.loadS} s, fault ${s(p.recovery.faultMs)}, longest stretch without a 200 ${s(p.recovery.longestGapMs)}, sink at most ${n(p.maxSinkLag)} records behind, sink done ${p.settleMs === null ? "never" : `${s(p.settleMs)} after the load stopped`}`, "");
    L.push(`- answers other than 200: ${answersText(p.answers)}`);
    if (a) {
      L.push(`- acknowledged ${n(a.acknowledged)}: accepted ${n(a.accepted)} (in .valid ${n(a.inValid)}, Redis ${n(a.storedRedis)}, PostgreSQL ${n(a.storedPg)}), rejected ${n(a.rejected)} (in .rejected ${n(a.inRejected)})`);
      if (a.doubledKafka.total) L.push(`- doubled in Kafka: ${n(a.doubledKafka.total)} — by what came before the 200: ${Object.entries(a.doubledKafka.byCause).map(([k, v]) => `${k} ×${n(v)}`).join("; ")}`);
      if (a.doubledRejected) L.push(`- in .rejected more than once: ${n(a.doubledRejected)}`);
      if (a.rejectedAsOwnRetry) L.push(`- answered rejected as a duplicate of an earlier attempt of the same batch (that attempt is in .valid and stored): ${n(a.rejectedAsOwnRetry)}`);
      if (a.unanswered) L.push(`- never answered 200 before the phase ended: ${n(a.unanswered)} (in .valid anyway: ${n(a.unansweredInValid)})`);
      for (const e of a.lost.examples) L.push(`- lost: ${exampleLine(e)}`);
      for (const e of a.doubledStores.examples) L.push(`- doubled in a store: ${exampleLine(e)}`);
      for (const e of a.misleading.examples) L.push(`- misleading: ${exampleLine(e)}`);
      for (const e of a.doubledKafka.examples.slice(0, 3)) L.push(`- doubled in Kafka, e.g.: ${exampleLine(e)}`);
    }
    for (const note of p.notes) L.push(`- ${note}`);
    // Each process's first entry is its state as the phase began: only worth showing when not ready.
    const changes = p.readiness.filter((c, i) => !c.ready || p.readiness.findIndex((x) => x.process === c.process) !== i);
    L.push(`- slowest /readyz answer: ingest ${n(p.slowestReadyzMs.ingest)} ms, sink ${n(p.slowestReadyzMs.sink)} ms`);
    if (changes.length) L.push(`- /readyz over the phase (s from the injection): ${changes.map((c) => `${(c.atMs / 1000).toFixed(1)} ${c.process} ${c.ready ? "ready" : `NOT ready (${c.why})`}`).join("; ")}`);
    for (const h of p.healed) L.push(`- healed: ${h}`);
    for (const e of p.events) L.push(`- ${e.process} ${e.what}${e.output ? `; its last output:\n\n  \`\`\`\n${e.output.split("\n").slice(-15).map((x) => "  " + x).join("\n")}\n  \`\`\`` : ""}`);
    if (p.readyAfter.ingest.status !== 200 || p.readyAfter.sink.status !== 200) L.push(`- /readyz after the phase: ingest ${p.readyAfter.ingest.status ?? "unreachable"}, sink ${p.readyAfter.sink.status ?? "unreachable"}`);
    L.push("");
  }
  if (r.totals) L.push(`Totals: .valid ${n(r.totals.validRecords)} records, .rejected ${n(r.totals.rejectedRecords)}, Redis ${n(r.totals.redisMembers)} members, PostgreSQL ${n(r.totals.pgRows)} rows${r.totals.unreadableRecords ? `, ${r.totals.unreadableRecords} unreadable records` : ""}.`, "");
  L.push("Reproduce (a stack of its own, so the kills disturb nobody):", "");
  L.push("```sh");
  L.push(`export STACK_DIR=$PWD/.stack-chaos KAFKA_BROKERS=127.0.0.1:29092 REDIS_URL=redis://127.0.0.1:26379 DATABASE_URL=postgres://tickgate:tickgate@127.0.0.1:25432/tickgate`);
  L.push("bash scripts/stack.sh up");
  L.push(r.command);
  L.push("bash scripts/stack.sh down");
  L.push("```");
  return L.join("\n") + "\n";
}
