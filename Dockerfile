# tickgate: one image, every role (ROLE=all|ingest|sink). Built by compose.yaml.
FROM oven/bun:1.4.4 AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
# patchedDependencies (patches/kafkajs@2.2.4.patch) are applied by bun install.
COPY patches ./patches
RUN bun install --frozen-lockfile --production

FROM oven/bun:1.4.4
WORKDIR /app
ENV NODE_ENV=production PORT=8080
COPY --from=deps /app/node_modules ./node_modules
COPY package.json bun.lock bunfig.toml tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY docs/checks-config.example.json ./docs/checks-config.example.json
# The oven/bun image ships an unprivileged user `bun`.
USER bun
EXPOSE 8080
# src/healthcheck.ts, not `bun -e "<script>"`: podman's Docker API splits healthcheck arguments at spaces.
HEALTHCHECK --interval=5s --timeout=5s --retries=20 \
  CMD ["bun", "src/healthcheck.ts", "/healthz"]
CMD ["bun", "src/main.ts"]
