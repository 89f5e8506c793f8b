// There is no Docker engine on our machines, so compose.yaml and the Dockerfile are checked by
// reading them: services, ports, healthchecks and environment names must agree with src/config.ts.
import { describe, expect, test } from "bun:test";
import { ENV, loadConfig } from "../../src/config.ts";

const root = new URL("../../", import.meta.url);
const compose = Bun.YAML.parse(await Bun.file(new URL("compose.yaml", root)).text()) as any;
const dockerfile = await Bun.file(new URL("Dockerfile", root)).text();
const services = compose.services as Record<string, any>;

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
    for (const [name, s] of Object.entries(services)) {
      expect(Array.isArray(s.healthcheck?.test), `${name} healthcheck`).toBe(true);
    }
    const deps = services.tickgate.depends_on;
    for (const name of ["kafka", "redis", "timescaledb"]) expect(deps[name]?.condition).toBe("service_healthy");
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
});
