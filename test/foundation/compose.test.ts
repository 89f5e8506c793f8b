// compose.yaml and the Dockerfile read against the code: services, ports, healthchecks, volumes and
// environment names must agree with src/config.ts. scripts/container-test.sh runs them for real
// (on podman, with stand-in base images); these checks are the ones a run cannot show on every engine.
import { describe, expect, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { posix } from "node:path";
import { ENV, loadConfig } from "../../src/config.ts";

const root = new URL("../../", import.meta.url);
const compose = Bun.YAML.parse(await Bun.file(new URL("compose.yaml", root)).text()) as any;
const dockerfile = await Bun.file(new URL("Dockerfile", root)).text();
const allServices = compose.services as Record<string, any>;
// `docker compose up` starts the services without a profile; the others only with `--profile <name>`.
const services = Object.fromEntries(Object.entries(allServices).filter(([, s]) => !s.profiles)) as Record<string, any>;
const monitoring = Object.fromEntries(Object.entries(allServices).filter(([, s]) => s.profiles)) as Record<string, any>;
const readYaml = async (path: string) => Bun.YAML.parse(await Bun.file(new URL(path, root)).text()) as any;

const containerPort = (mapping: string) => Number(String(mapping).split(":").at(-1));
const hostPort = (mapping: string) => Number(String(mapping).split(":").at(-2));

describe("compose.yaml", () => {
  test("has the four services of the design", () => {
    expect(Object.keys(services).sort()).toEqual(["kafka", "redis", "tickgate", "timescaledb"]);
    expect(services.kafka.image).toMatch(/^apache\/kafka:/);
    expect(services.timescaledb.image).toMatch(/^timescale\/timescaledb:/);
    expect(services.redis.image).toMatch(/^redis:/);
    expect(services.tickgate.build).toBeDefined();
  });

  test("every service has a healthcheck and tickgate waits for the healthy stack", () => {
    for (const [name, s] of Object.entries(allServices)) {
      expect(Array.isArray(s.healthcheck?.test), `${name} healthcheck`).toBe(true);
      expect(["CMD", "CMD-SHELL"], `${name} healthcheck form`).toContain(s.healthcheck.test[0]);
    }
    const deps = services.tickgate.depends_on;
    for (const name of ["kafka", "redis", "timescaledb"]) expect(deps[name]?.condition).toBe("service_healthy");
  });

  test("exec-form healthchecks have no argument with a space (podman's Docker API splits them)", () => {
    for (const [name, s] of Object.entries(allServices)) {
      const [form, ...args] = s.healthcheck.test as string[];
      if (form === "CMD") for (const a of args) expect(a, `${name}: ${JSON.stringify(a)}`).not.toMatch(/\s/);
    }
  });

  test("tickgate's healthcheck is its readiness, through src/healthcheck.ts", () => {
    const [, bun, file, path] = services.tickgate.healthcheck.test as string[];
    expect([bun, file, path]).toEqual(["bun", "src/healthcheck.ts", "/readyz"]);
    expect(existsSync(new URL(file!, root))).toBe(true);
  });

  test("the stores keep their data in named volumes, at the paths their images use", () => {
    const mounted = (service: string) => (services[service].volumes as string[]).map((v) => v.split(":"));
    expect(mounted("kafka")).toContainEqual(["kafka-data", services.kafka.environment.KAFKA_LOG_DIRS]);
    expect(mounted("redis")).toContainEqual(["redis-data", "/data"]);
    expect(mounted("timescaledb")).toContainEqual(["timescaledb-data", "/var/lib/postgresql/data"]);
    expect(Object.keys(compose.volumes).sort()).toEqual(["kafka-data", "redis-data", "timescaledb-data"]);
  });

  test("every service names a grace period, tickgate's longer than its own shutdown bound", () => {
    const seconds = (d: string) => Number(String(d).match(/^(\d+)s$/)?.[1] ?? NaN);
    for (const [name, s] of Object.entries(services)) expect(seconds(s.stop_grace_period), name).toBeGreaterThan(0);
    const config = loadConfig(services.tickgate.environment);
    // src/main.ts exits on its own at SHUTDOWN_TIMEOUT_MS + 2 s at the latest.
    expect(seconds(services.tickgate.stop_grace_period) * 1000).toBeGreaterThan(config.SHUTDOWN_TIMEOUT_MS + 2000);
  });

  test("the Kafka image is the version of the local stack's jars (the container test's stand-in is built from them)", async () => {
    const pom = await Bun.file(new URL("stack/kafka/pom.xml", root)).text();
    const version = pom.match(/<artifactId>kafka_2\.13<\/artifactId>\s*<version>([^<]+)<\/version>/)?.[1];
    expect(version).toBeDefined();
    expect(services.kafka.image).toBe(`apache/kafka:${version}`);
  });

  test("the container test's override changes host ports only", async () => {
    const text = await Bun.file(new URL("test/container/compose.ports.yaml", root)).text();
    // Bun's YAML reader does not know compose's !override tag: drop it to read the values.
    const override = Bun.YAML.parse(text.replaceAll("!override ", "")) as any;
    expect(Object.keys(override)).toEqual(["services"]);
    for (const [name, s] of Object.entries(override.services as Record<string, any>)) {
      expect(Object.keys(s), name).toEqual(["ports"]);
      expect(s.ports.map(containerPort), name).toEqual(services[name].ports.map(containerPort));
      for (const p of s.ports) expect(String(p), name).toStartWith("127.0.0.1:");
    }
    expect(text.match(/ports: !override/g)?.length).toBe(Object.keys(override.services).length);
  });

  test("kafka runs in KRaft mode, single node", () => {
    const env = services.kafka.environment;
    expect(env.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe("1");
    expect(env.KAFKA_ZOOKEEPER_CONNECT).toBeUndefined();
  });

  test("tickgate's environment names are config variables, and their values pass validation", () => {
    const env = services.tickgate.environment as Record<string, string>;
    for (const name of Object.keys(env)) expect(Object.keys(ENV)).toContain(name);
    for (const name of ["PORT", "KAFKA_BROKERS", "REDIS_URL", "DATABASE_URL", "ROLE"]) expect(env[name]).toBeDefined();
    const config = loadConfig(env);
    // The connection settings point at the compose services, not at loopback.
    expect(config.KAFKA_BROKERS).toEqual(["kafka:9092"]);
    expect(new URL(config.REDIS_URL).hostname).toBe("redis");
    expect(new URL(config.DATABASE_URL).hostname).toBe("timescaledb");
  });

  test("ports agree with the config", () => {
    const env = services.tickgate.environment as Record<string, string>;
    const config = loadConfig(env);
    expect(services.tickgate.ports.map(containerPort)).toContain(config.PORT);
    expect(services.kafka.ports.map(containerPort)).toContain(Number(config.KAFKA_BROKERS[0].split(":")[1]));
    expect(services.redis.ports.map(containerPort)).toContain(Number(new URL(config.REDIS_URL).port || 6379));
    expect(services.timescaledb.ports.map(containerPort)).toContain(Number(new URL(config.DATABASE_URL).port || 5432));
    // The stack's ports are published on loopback only, matching the local defaults.
    const defaults = loadConfig({});
    expect(services.kafka.ports.map(hostPort)).toContain(Number(defaults.KAFKA_BROKERS[0].split(":")[1]));
    expect(services.redis.ports.map(hostPort)).toContain(Number(new URL(defaults.REDIS_URL).port));
  });

  test("timescaledb credentials match DATABASE_URL", () => {
    const url = new URL(services.tickgate.environment.DATABASE_URL);
    const env = services.timescaledb.environment;
    expect(env.POSTGRES_USER).toBe(url.username);
    expect(env.POSTGRES_PASSWORD).toBe(url.password);
    expect(env.POSTGRES_DB).toBe(url.pathname.slice(1));
  });
});

describe("compose.yaml, profile monitoring", () => {
  /** A service's `./host:container[:ro]` mounts, the host path relative to the repository. */
  const mounts = (service: any) =>
    (service.volumes as string[]).map((v) => {
      const [host, container, mode] = v.split(":");
      return { host: posix.normalize(host!), container: container!, mode };
    });
  const mountOf = (service: any, host: string) => mounts(service).find((m) => m.host === host);

  test("Prometheus and Grafana start only with the profile, and nothing by default waits for them", () => {
    expect(Object.keys(monitoring).sort()).toEqual(["grafana", "prometheus"]);
    for (const s of Object.values(monitoring)) expect(s.profiles).toEqual(["monitoring"]);
    expect(monitoring.prometheus.image).toMatch(/^prom\/prometheus:v\d/);
    expect(monitoring.grafana.image).toMatch(/^grafana\/grafana:\d/);
    for (const s of Object.values(services)) for (const dep of Object.keys(s.depends_on ?? {})) expect(Object.keys(services)).toContain(dep);
    // Published on loopback only, like the stack's own ports.
    for (const s of Object.values(monitoring)) for (const p of s.ports) expect(String(p)).toStartWith("127.0.0.1:");
  });

  test("every mounted file exists in the repository and is mounted read-only", () => {
    const all = Object.values(monitoring).flatMap(mounts);
    expect(all.length).toBeGreaterThanOrEqual(4);
    for (const m of all) {
      expect(existsSync(new URL(m.host, root)), m.host).toBe(true);
      expect(m.mode, `${m.host} read-only`).toBe("ro");
    }
  });

  test("Prometheus loads the mounted rules and scrapes tickgate with a key compose gives it", async () => {
    const config = mountOf(monitoring.prometheus, "deploy/prometheus/prometheus.yml");
    expect(config?.container).toBe("/etc/prometheus/prometheus.yml");
    const prom = await readYaml("deploy/prometheus/prometheus.yml");
    // rule_files are relative to the config file: the same name beside it, in the repository and in the container.
    expect(prom.rule_files).toEqual(["alerts.yml"]);
    expect(mountOf(monitoring.prometheus, "deploy/prometheus/alerts.yml")?.container).toBe(posix.join(posix.dirname(config!.container), "alerts.yml"));
    const job = prom.scrape_configs.find((j: any) => j.job_name === "tickgate");
    expect(job.metrics_path).toBe("/metrics");
    const env = services.tickgate.environment as Record<string, string>;
    expect(job.static_configs[0].targets).toEqual([`tickgate:${loadConfig(env).PORT}`]);
    // /metrics needs a key while API_KEYS is set and METRICS_PUBLIC is not.
    const tickgate = loadConfig(env);
    expect(tickgate.METRICS_PUBLIC).toBe(false);
    expect(job.authorization.type).toBe("Bearer");
    expect(env.API_KEYS!.split(",")).toContain(job.authorization.credentials);
  });

  test("Grafana's data source is that Prometheus, and its dashboards provider reads the mounted dashboard", async () => {
    const provisioning = mountOf(monitoring.grafana, "deploy/grafana/provisioning");
    expect(provisioning?.container).toBe("/etc/grafana/provisioning");
    expect(statSync(new URL("deploy/grafana/provisioning", root)).isDirectory()).toBe(true);
    const ds = (await readYaml("deploy/grafana/provisioning/datasources/prometheus.yml")).datasources[0];
    const url = new URL(ds.url);
    expect(url.hostname).toBe("prometheus");
    expect(monitoring.prometheus.ports.map(containerPort)).toContain(Number(url.port));
    const provider = (await readYaml("deploy/grafana/provisioning/dashboards/tickgate.yml")).providers[0];
    const dashboard = mountOf(monitoring.grafana, "deploy/grafana/tickgate.json");
    expect(posix.dirname(dashboard!.container)).toBe(provider.options.path);
    // The dashboard's data-source variable defaults to the provisioned uid.
    const json = await Bun.file(new URL("deploy/grafana/tickgate.json", root)).json();
    const variable = json.templating.list.find((v: any) => v.type === "datasource");
    expect(variable.current.value).toBe(ds.uid);
    expect(variable.query).toBe(ds.type);
  });
});

describe("Dockerfile", () => {
  test("builds on oven/bun with the pinned version and runs as a non-root user", () => {
    const pkg = require("../../package.json");
    const bunVersion = pkg.packageManager.split("@")[1];
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThan(0);
    for (const image of froms) expect(image).toBe(`oven/bun:${bunVersion}`);
    const user = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].at(-1)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toBe("root");
    expect(user).not.toBe("0");
    expect(dockerfile).toMatch(/bun install --frozen-lockfile/);
  });

  test("its HEALTHCHECK is exec-form words without spaces, through src/healthcheck.ts", () => {
    const hc = dockerfile.match(/HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/)?.[1];
    expect(hc).toBeDefined();
    const args = JSON.parse(hc!) as string[];
    expect(args).toEqual(["bun", "src/healthcheck.ts", "/healthz"]);
    for (const a of args) expect(a).not.toMatch(/\s/);
  });
});
