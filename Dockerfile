# forge-execd container image, Debian 12 in both stages.
#
#   docker build -t forge-exec .
#   docker run --rm -p 50051:50051 -p 9464:9464 \
#     --cap-drop ALL --cap-add SETUID --cap-add SETGID \
#     --security-opt seccomp=deploy/kubernetes/seccomp/forge-execd.json \
#     --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
#     forge-exec
#
# Why each of those options is needed, and why --privileged is not, is in
# docs/OPERATIONS.md ("Privileges"). tests/deploy/dockerfile_test.py checks
# this file against the repository.

# ---------------------------------------------------------------------------
# Build stage: compilers and -dev packages; builds the three binaries.
# ---------------------------------------------------------------------------
FROM debian:12-slim AS build

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config ca-certificates \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      libabsl-dev libre2-dev libspdlog-dev libfmt-dev prometheus-cpp-dev \
      libseccomp-dev libssl-dev libgtest-dev libgmock-dev nlohmann-json3-dev \
      nodejs npm \
 && rm -rf /var/lib/apt/lists/*

# The project directory is compiled into forge-execd (relative paths in the
# config, such as the Deno binary, resolve against it), so the runtime stage
# uses the same one.
WORKDIR /opt/forge-exec
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY proto/ proto/
COPY common/ common/
COPY sandbox/ sandbox/
COPY cars/ cars/
COPY server/ server/
COPY client/ client/
COPY tests/ tests/
COPY deploy/ deploy/
COPY scripts/install-deps scripts/install-deps

RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build -j"$(nproc)" --target forge-execd forge-launcher forge-exec \
 && install -D -s -m 0755 build/server/forge-execd bin/forge-execd \
 && install -D -s -m 0755 build/sandbox/forge-launcher bin/forge-launcher \
 && install -D -s -m 0755 build/client/forge-exec bin/forge-exec

# Deno (the typescript runtime), the version scripts/install-deps pins, from
# the npm registry's `deno` package, which carries the binary.
RUN version="$(sed -n 's/^DENO_VERSION=//p' scripts/install-deps)" \
 && npm install --prefix /tmp/deno --no-audit --no-fund --ignore-scripts "deno@${version}" \
 && install -D -m 0755 /tmp/deno/node_modules/@deno/linux-x64-glibc/deno .deps/bin/deno \
 && .deps/bin/deno --version

# ---------------------------------------------------------------------------
# Runtime stage: shared libraries, the four runtimes, nothing to build with.
# ---------------------------------------------------------------------------
FROM debian:12-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libabsl20220623 libc-ares2 libfmt9 libgrpc++1.51 libgrpc29 libprotobuf32 \
      libre2-9 libseccomp2 libspdlog1.10 libssl3 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libcivetweb1 \
      python3 nodejs \
      python3-grpcio \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/forge-exec
COPY --from=build /opt/forge-exec/bin/ bin/
COPY --from=build /opt/forge-exec/.deps/bin/deno .deps/bin/deno
COPY deploy/config/ deploy/config/
COPY deploy/cars/ deploy/cars/
COPY deploy/privacy/ deploy/privacy/
COPY proto/ proto/
# The Python client, for the health check below and for scripts in the image.
COPY client/python/forge_exec/ client/python/forge_exec/

ENV PATH=/opt/forge-exec/bin:$PATH \
    PYTHONPATH=/opt/forge-exec/client/python \
    PYTHONDONTWRITEBYTECODE=1

# Audit log (one hash chain per replica); mount a persistent volume here.
RUN mkdir -p -m 0700 /var/lib/forge-exec/audit
VOLUME ["/var/lib/forge-exec/audit"]

# gRPC and Prometheus /metrics.
EXPOSE 50051 9464

# forge-execd runs as uid 0 *of the container*: the launcher writes each
# sandbox's uid_map/gid_map (sandbox uid 1000 -> host uid 65534, never the
# server's own uid), which takes CAP_SETUID/CAP_SETGID over ids other than
# its own. Run the container in a user namespace (Kubernetes hostUsers:
# false, Docker userns-remap, rootless Podman) so that this uid 0 is an
# unprivileged uid on the host. Sandboxed programs never run as root.
USER 0:0

HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python3", "-m", "forge_exec.probe", "--address", "127.0.0.1:50051"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/forge-exec/bin/forge-execd"]
# Listening beyond loopback needs authentication: deploy/config/
# container.textproto reads bearer tokens from a file mounted at
# /etc/forge-exec/secrets/tokens.textproto (the Kubernetes manifests mount
# their Secret there and pass a config of their own).
CMD ["--config", "/opt/forge-exec/deploy/config/container.textproto", \
     "--listen", "0.0.0.0:50051", "--metrics_listen", "0.0.0.0:9464"]
