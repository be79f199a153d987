# syntax=docker/dockerfile:1
# k8s-image-availability-exporter: `make image` (docker build -t k8s-image-availability-exporter:<version> .)

# The base images, official by default. A machine that cannot reach their registries builds with
# bases of its own that have the same layout (--build-arg BUILD_BASE=... RUNTIME_BASE=...): the
# test bed does (test/image/), with Node.js from the npm registry and Debian's libraries.
ARG BUILD_BASE=node:22-slim
ARG RUNTIME_BASE=gcr.io/distroless/nodejs22-debian12:nonroot

# Build: all dependencies, compile TypeScript, bundle the entry point into dist/src/cli.js (only
# the code it reaches, scripts/bundle.ts), then drop the devDependencies.
FROM ${BUILD_BASE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run: distroless Node.js, no shell or package manager, as the `nonroot` user (uid 65532, the
# chart's runAsUser).
FROM ${RUNTIME_BASE}
WORKDIR /app
# glibc gives each thread that allocates its own malloc arena; zlib compressing /metrics on libuv's
# threads then leaves several partly used arenas behind. Two arenas: about 5 MB less RSS under
# scrapes (BENCHMARKS.md, case 7). The benchmarks run with the ENV of this stage.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# Numeric, so that the kubelet can verify runAsNonRoot without a runAsUser.
USER 65532:65532
EXPOSE 8080
# A young generation of 1 MiB semi-spaces instead of V8's default (up to 16 MiB on a large node):
# about 15 MiB less RSS at every cluster size. --max-opt=0: V8 runs the exporter's code in its
# interpreter only, never its baseline or optimizing compilers, whose code and work cost 6 to 8 MiB
# of RSS in a small cluster; rendering /metrics is about 5 times slower (0.8 s for 100 000
# series). The chart's optimizingCompiler value turns them back on for large clusters
# (BENCHMARKS.md, case 4). The memory benchmark runs with the flags of this line.
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=1", "--max-opt=0", "dist/src/cli.js"]
