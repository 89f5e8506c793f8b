// The system under test: one ROLE=ingest tickgate and one separate ROLE=sink tickgate, both children
// of this process (bench/load/target.ts starts them and stops them when this process exits; they
// run in process groups of their own, so a Ctrl-C reaches this process only, which stops them), on a
// topic prefix, consumer group, table and Redis key prefix of the run's own. Restarts keep the
// ingest port, so the clients' URL stays valid. A child that exits without being told to is an event
// of the run (a crash), with the end of its output.
import { startSut, type Sut } from "../load/target.ts";

export interface RunNames {
  id: string;
  prefix: string;
  group: string;
  table: string;
  keyPrefix: string;
}

export interface SystemEvent {
  at: number;
  process: "ingest" | "sink";
  what: string;
  output?: string;
}

export interface Readiness {
  status: number | null;
  body: string;
}

const READY_TIMEOUT_MS = 120_000;

export class System {
  ingest!: Sut;
  sink!: Sut;
  readonly events: SystemEvent[] = [];
  /** every child's output, by name, kept when the child is replaced */
  readonly logs: { name: string; output: () => string }[] = [];
  private expectedExit = new WeakSet<Sut>();
  private starts = { ingest: 0, sink: 0 };

  constructor(
    readonly names: RunNames,
    private readonly workers: number,
    private readonly partitions: number,
    private readonly extraEnv: Record<string, string>,
    /** the run is being stopped (Ctrl-C): exits from then on are not crashes */
    private readonly stopping: () => boolean,
  ) {}

  private env(): Record<string, string> {
    const n = this.names;
    return {
      KAFKA_PARTITIONS: String(this.partitions),
      SINK_GROUP: n.group,
      SINK_TABLE: n.table,
      REDIS_KEY_PREFIX: n.keyPrefix,
      REDIS_RETENTION_COUNT: "0",
      // info: the sink says when a target goes down and comes back, which the findings quote.
      LOG_LEVEL: "info",
      ...this.extraEnv,
    };
  }

  async startIngest(port?: number): Promise<void> {
    const sut = await startSut({ kind: "tickgate", prefix: this.names.prefix, role: "ingest", workers: this.workers, port, env: this.env(), timeoutMs: READY_TIMEOUT_MS, detached: true });
    this.adopt("ingest", sut);
    this.ingest = sut;
  }

  async startSink(): Promise<void> {
    const sut = await startSut({ kind: "tickgate", prefix: this.names.prefix, role: "sink", workers: null, env: this.env(), timeoutMs: READY_TIMEOUT_MS, detached: true });
    this.adopt("sink", sut);
    this.sink = sut;
  }

  private adopt(which: "ingest" | "sink", sut: Sut) {
    const n = ++this.starts[which];
    this.logs.push({ name: `${which}-${n}`, output: () => sut.output() });
    void sut.proc!.exited.then((code) => {
      if (this.expectedExit.has(sut) || this.stopping()) return;
      this.events.push({ at: performance.now(), process: which, what: `exited on its own with ${code ?? sut.proc!.signalCode}`, output: sut.output().slice(-3000) });
    });
  }

  get ingestUrl(): string {
    return this.ingest.url;
  }

  /** SIGTERM and wait for the exit (bounded by the server's own shutdown bound + 10 s, then SIGKILL). */
  async terminate(sut: Sut, onSignalled?: () => void, boundMs = 30_000): Promise<{ code: number | null; ms: number; killed: boolean }> {
    this.expectedExit.add(sut);
    const t0 = performance.now();
    const proc = sut.proc!;
    if (proc.exitCode !== null || proc.signalCode !== null) return { code: proc.exitCode, ms: 0, killed: false };
    proc.kill("SIGTERM");
    onSignalled?.();
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      proc.kill("SIGKILL");
    }, boundMs);
    const code = await proc.exited;
    clearTimeout(timer);
    return { code, ms: Math.round(performance.now() - t0), killed };
  }

  /** SIGKILL (a crash) and wait until the process is gone. */
  async kill(sut: Sut): Promise<void> {
    this.expectedExit.add(sut);
    sut.proc!.kill("SIGKILL");
    await sut.proc!.exited;
  }

  async readiness(which: "ingest" | "sink", timeoutMs = 5000): Promise<Readiness> {
    const sut = which === "ingest" ? this.ingest : this.sink;
    try {
      const r = await fetch(`${sut.url}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
      return { status: r.status, body: (await r.text()).slice(0, 500) };
    } catch (err) {
      return { status: null, body: String((err as Error)?.message ?? err) };
    }
  }

  alive(which: "ingest" | "sink"): boolean {
    const sut = which === "ingest" ? this.ingest : this.sink;
    return !!sut && sut.proc!.exitCode === null && sut.proc!.signalCode === null;
  }

  /** Stops both children (SIGTERM, bounded). Never throws. */
  async stop(): Promise<void> {
    await Promise.all([this.ingest, this.sink].filter(Boolean).map((s) => this.terminate(s).catch(() => null)));
  }
}
