// tickgate's fault run: one fault at a time under a steady load, with a loss account after each
// (lost, doubled in Kafka, doubled in the stores, recovery time). Writes
// bench/results/chaos-<timestamp>.{md,json} and the children's logs beside them.   bun run chaos -- --help
// It kills and restarts the services of the stack in STACK_DIR / KAFKA_BROKERS / REDIS_URL /
// DATABASE_URL: run it against a stack of its own (see the reproduce block in the report).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "./chaos/options.ts";
import { markdown } from "./chaos/report.ts";
import { runChaos } from "./chaos/run.ts";
import { stackUpSync } from "./chaos/stack.ts";

const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);

if (import.meta.main) {
  // First Ctrl-C: finish cleanly (restart the stack's services, stop the children, account for
  // what was sent). A second one exits at once, after bringing every service of the stack up again;
  // the children get SIGTERM from the exit hooks.
  let aborted = false;
  const stop = (code: number) => () => {
    if (aborted) {
      log("exiting now; starting any stopped service of the stack first");
      stackUpSync();
      process.exit(code);
    }
    aborted = true;
    log("stopping: the current phase ends, the stack is brought back, then the account (Ctrl-C again to exit now)");
  };
  process.on("SIGINT", stop(130));
  process.on("SIGTERM", stop(143));
  const argv = process.argv.slice(2);
  let o: ReturnType<typeof parseArgs>;
  try {
    o = parseArgs(argv);
  } catch (err) {
    console.error(`chaos: ${(err as Error).message}`);
    process.exit(2);
  }
  try {
    const command = `bun run chaos${argv.length ? " -- " + argv.filter((a) => a !== "--").join(" ") : ""}`;
    const { result, logs } = await runChaos(o, command, { aborted: () => aborted, log });
    mkdirSync(o.out, { recursive: true });
    const stamp = result.startedAt.replace(/[:.]/g, "-");
    const base = join(o.out, `chaos-${stamp}`);
    const md = markdown(result);
    writeFileSync(`${base}.json`, JSON.stringify(result, null, 2));
    writeFileSync(`${base}.md`, md);
    for (const l of logs) writeFileSync(`${base}-${l.name}.log`, l.output());
    console.log(md);
    console.log(`results: ${base}.md\n         ${base}.json\n         ${base}-*.log (the tickgate children's output)`);
    // An aborted phase whose sink never settled has store-side "losses" that are just not written yet.
    const settled = (p: (typeof result.phases)[number]) => p.status !== "aborted" || p.settleMs !== null;
    const broken = result.phases.some((p) => p.account && (p.account.lost.notInValid + p.account.lost.notInRejected > 0 || (settled(p) && p.account.lost.total > 0) || p.account.doubledStores.total > 0));
    const incomplete = result.accountError !== null || result.phases.some((p) => p.status === "failed") || result.phases.length < o.faults.length;
    process.exit(broken ? 2 : incomplete || aborted ? 1 : 0);
  } catch (err) {
    console.error(`chaos: ${(err as Error)?.stack ?? err}`);
    process.exit(1);
  }
}
