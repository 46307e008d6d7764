# Production image of the kafka-crossvpc worker (and, as target `sandbox`, the OTC sandbox with real Kafka),
# on Node 24 LTS (package.json engines: Node 20, 22 and 24; CI runs the suite on Node 24 too).
# Build: docker build -t kafka-crossvpc .          (worker)
#        docker build --target sandbox -t kafka-crossvpc-sandbox .
# The build (compiled ESM + .d.ts + the prebuilt workflow bundle in dist/, scripts/build.mjs) needs the dev
# dependencies; the image itself only the runtime ones.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY scripts/build.mjs ./scripts/build.mjs
COPY tsconfig.json tsconfig.build.json ./
RUN node scripts/build.mjs

FROM node:24-bookworm-slim AS base
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY worker ./worker
COPY tsconfig.json ./
# dist/build-info.json records the build start, later than the sources' mtimes: the launcher and the worker use dist/.
COPY --from=build /app/dist ./dist

FROM base AS sandbox
# Java runs the brokers; Maven fetches the pinned Kafka jars at build time; openssl makes the sandbox CA.
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless maven openssl \
    && rm -rf /var/lib/apt/lists/*
COPY tools/kafka ./tools/kafka
COPY scripts ./scripts
RUN SKIP_TEMPORAL=1 bash scripts/ensure-tools.sh && mkdir -p .crossvpc && chown node:node .crossvpc
USER node
ENTRYPOINT ["node", "src/cli/crossvpc.mjs", "sandbox"]

FROM base AS worker
USER node
# The worker process's environment (worker/process-settings.ts; glibc reads it at start, docs/operations.md
# "A worker's memory"): big blocks in pages of their own, given back when freed.
ENV MALLOC_MMAP_THRESHOLD_=131072
# Prometheus /metrics, /healthz, /readyz (docs/operations.md "Metrics and health"); healthy = ready (polling).
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "src/cli/crossvpc.mjs", "worker"]
CMD ["--metrics-port", "9464", "--metrics-host", "0.0.0.0"]
