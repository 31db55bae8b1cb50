# Bicycle container image: the single `bicycle` executable on a slim Debian.
#
#   docker build -t bicycle .
#   docker run --rm bicycle                       # --help
#   docker compose up                             # a jobmanager and two workers (docker-compose.yml)
#
# Stage 1 builds dist/bicycle with Bun (`bun run build`: Bun.build --compile, the RocksDB addon and the
# slot-thread module embedded). Stage 2 carries only that binary.
#
# linux/amd64 only: @nxtedition/rocksdb ships prebuilt addons for linux-x64 and darwin-arm64, and the
# build embeds the one for the build platform. On an arm64 host build with --platform linux/amd64.

# ---- build ----
FROM oven/bun:1.4.4 AS build
WORKDIR /src
# Dependencies first, so source edits reuse this layer. No lifecycle scripts run for untrusted
# packages; @nxtedition/rocksdb's prebuilt addon comes in the package itself.
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile
COPY . .
RUN bun run build && ./dist/bicycle --version

# ---- runtime ----
FROM debian:bookworm-slim AS runtime
# The binary links only glibc (libc, libm, libpthread, libdl). The RocksDB addon embedded in it is
# written to $TMPDIR and dlopen'ed when a job uses the rocksdb state backend; it needs libstdc++6
# (GLIBCXX_3.4.30, i.e. GCC 12: bookworm's, not bullseye's) and libgcc-s1 (`ldd` of
# node_modules/@nxtedition/rocksdb/prebuilds/linux-x64/@nxtedition+rocksdb.node). Both are already in
# bookworm-slim (apt depends on them); installing them names the dependency and keeps it if the base changes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libstdc++6 libgcc-s1 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 bicycle \
 && useradd --system --uid 10001 --gid bicycle --home-dir /var/lib/bicycle --shell /usr/sbin/nologin bicycle \
 && mkdir -p /var/lib/bicycle/state /var/lib/bicycle/checkpoints \
 && chown -R bicycle:bicycle /var/lib/bicycle

COPY --from=build /src/dist/bicycle /usr/local/bin/bicycle

# Defaults the CLI reads when neither a flag nor a config file sets them. TMPDIR must be writable
# (the embedded RocksDB addon is extracted there); /tmp is.
ENV BICYCLE_STATE_DIR=/var/lib/bicycle/state \
    BICYCLE_CHECKPOINT_DIR=/var/lib/bicycle/checkpoints \
    BICYCLE_LOG=info \
    TMPDIR=/tmp

USER bicycle
WORKDIR /var/lib/bicycle
VOLUME ["/var/lib/bicycle"]
# 9000 JobManager control plane (gRPC); 6121 worker data plane (TCP); 6122 worker RPC (gRPC);
# 8081 web UI / REST (not in this build yet).
EXPOSE 9000 6121 6122 8081

ENTRYPOINT ["bicycle"]
CMD ["--help"]
