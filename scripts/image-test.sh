#!/usr/bin/env bash
# `make image-test`: builds the Dockerfile's run stage for real and runs it, on a machine where no registry is
# reachable (so neither swift:6.3-bookworm nor debian:bookworm-slim can be pulled):
#   1. a private Docker engine (Debian's docker.io: dockerd --bridge=none --iptables=false, its own socket and data
#      root under the work folder, stopped at the end);
#   2. a Debian 12 base from debootstrap (minbase, cached in .build-image/), imported as an image;
#   3. the binary built here with the Swift runtime linked in (--static-swift-stdlib, as the build stage does);
#   4. the Dockerfile's run stage, cut from the Dockerfile itself (from `FROM ${RUNTIME_BASE} AS runtime` on) with the
#      build stage's COPY --from=build replaced by the host's binary, built with host networking (its apt-get);
#   5. the image run with host networking on 127.0.0.1 and a free port: /-/ready, /metrics (build_info with the
#      revision), the image's HEALTHCHECK turning healthy, its labels and user; then `docker stop`, which must end
#      the exporter cleanly (exit 0).
# Prints what it checked; exit 1 with the reason on the first failure. Opt-in (root or sudo, network to the Debian
# mirror, a few minutes): it is not part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DOCKER=/usr/bin/docker          # Debian's client, of the engine's version (a newer one on PATH may want BuildKit)
export DOCKER_BUILDKIT=0

fail() { echo "image-test: FAIL: $*" >&2; exit 1; }
step() { echo "image-test: $*"; }

scripts/install-packages.sh docker.io debootstrap curl python3
[ "$(id -u)" -eq 0 ] || fail "dockerd and debootstrap need root; run as root (or: sudo make image-test)"

work=$(mktemp -d /tmp/featureflag-image-test.XXXXXX)
export DOCKER_HOST=unix://$work/docker.sock
container=featureflag-exporter-image-test-$$
cleanup() {
    "$DOCKER" rm -f "$container" >/dev/null 2>&1 || true
    if [ -f "$work/docker.pid" ]; then
        kill "$(cat "$work/docker.pid")" 2>/dev/null || true
        for _ in $(seq 1 50); do [ -e "$work/docker.pid" ] || break; sleep 0.2; done
    fi
    # dockerd leaves its default network namespace mounted under the exec root.
    awk -v work="$work" 'index($2, work) == 1 { print $2 }' /proc/mounts | sort -r | while read -r mounted; do
        umount "$mounted" 2>/dev/null || true
    done
    rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

step "starting dockerd (--bridge=none --iptables=false) on $work/docker.sock"
dockerd --bridge=none --iptables=false --ip6tables=false --data-root "$work/data" --exec-root "$work/exec" \
    --host "$DOCKER_HOST" --pidfile "$work/docker.pid" >"$work/dockerd.log" 2>&1 &
for _ in $(seq 1 100); do "$DOCKER" version >/dev/null 2>&1 && break; sleep 0.3; done
"$DOCKER" version >/dev/null 2>&1 || { tail -20 "$work/dockerd.log" >&2; fail "dockerd did not start"; }

base_tar=.build-image/debian-bookworm-minbase.tar
if [ ! -s "$base_tar" ]; then
    step "debootstrap --variant=minbase bookworm from $MIRROR (once; cached in $base_tar)"
    mkdir -p .build-image
    debootstrap --variant=minbase bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
        || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }
    tar -C "$work/rootfs" -cf "$base_tar.partial" . && mv "$base_tar.partial" "$base_tar"
fi
"$DOCKER" import "$base_tar" featureflag-exporter-base:bookworm >/dev/null
step "base image: $("$DOCKER" image inspect --format '{{.Id}}' featureflag-exporter-base:bookworm | cut -c1-19)"

step "building the binary (release, --static-swift-stdlib, in .build-static)"
swift build -c release --product featureflag_exporter --static-swift-stdlib --scratch-path .build-static >"$work/swift.log" 2>&1 \
    || { tail -30 "$work/swift.log" >&2; fail "swift build failed"; }
binary=$(swift build -c release --static-swift-stdlib --scratch-path .build-static --show-bin-path)/featureflag_exporter

context=$work/context
mkdir -p "$context"
cp "$binary" "$context/featureflag_exporter"
cp -r config "$context/config"
# The run stage, as the Dockerfile writes it, with the host's binary in place of the build stage's.
awk '/^ARG RUNTIME_BASE=/ { print } /^FROM \$\{RUNTIME_BASE\} AS runtime/ { on = 1 } on { print }' Dockerfile \
    | sed 's|^COPY --from=build /featureflag_exporter |COPY featureflag_exporter |' >"$context/Dockerfile"
grep -q '^COPY featureflag_exporter /usr/local/bin/featureflag_exporter$' "$context/Dockerfile" \
    || fail "the Dockerfile's run stage no longer copies /featureflag_exporter from the build stage as expected"
grep -q '^HEALTHCHECK' "$context/Dockerfile" || fail "the run stage has no HEALTHCHECK"

revision=$(git rev-parse HEAD)
step "docker build of the run stage on the debootstrap base (revision $revision)"
"$DOCKER" build --network host --build-arg RUNTIME_BASE=featureflag-exporter-base:bookworm \
    --build-arg "REVISION=$revision" -t featureflag_exporter:image-test "$context" >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log" >&2; fail "docker build failed"; }
step "image: $("$DOCKER" image inspect --format '{{.Id}} {{.Size}} bytes' featureflag_exporter:image-test | cut -c1-19,72-)"

label() { "$DOCKER" image inspect --format "{{index .Config.Labels \"$1\"}}" featureflag_exporter:image-test; }
[ "$(label org.opencontainers.image.revision)" = "$revision" ] || fail "label revision is '$(label org.opencontainers.image.revision)'"
[ "$(label org.opencontainers.image.title)" = "featureflag_exporter" ] || fail "label title"
[ "$("$DOCKER" image inspect --format '{{.Config.User}}' featureflag_exporter:image-test)" = "featureflag_exporter" ] \
    || fail "the image does not run as its own user"
image_health=$("$DOCKER" image inspect --format '{{json .Config.Healthcheck.Test}}' featureflag_exporter:image-test)
step "labels: revision and title set; user featureflag_exporter; HEALTHCHECK $image_health"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port
# The image's own health command, pointed at this run's port, checked every second instead of every 30.
health=$(echo "$image_health" | python3 -c 'import json, sys; print(" ".join(json.load(sys.stdin)[1:]))' \
    | sed "s|127.0.0.1:10100|127.0.0.1:$port|")
step "docker run --network host, listening on $url"
"$DOCKER" run -d --name "$container" --network host --health-cmd "$health" --health-interval 1s \
    --health-start-period 5s featureflag_exporter:image-test \
    serve --config.file /etc/featureflag_exporter/feature_flags.yaml \
    --exporter.config-file /etc/featureflag_exporter/exporter.yaml --web.listen-address "127.0.0.1:$port" >/dev/null

for _ in $(seq 1 120); do curl -fsS -o /dev/null "$url/-/ready" 2>/dev/null && break; sleep 0.5; done
curl -fsS "$url/-/ready" >/dev/null || { "$DOCKER" logs "$container" >&2; fail "/-/ready never answered 200"; }
metrics=$(curl -fsS "$url/metrics")
echo "$metrics" | grep -q "^feature_flag_config_info{" || fail "/metrics has no feature_flag_config_info"
build_info=$(echo "$metrics" | grep "^feature_flag_exporter_build_info{")
echo "$build_info" | grep -q "revision=\"${revision:0:12}" || fail "build_info is not of this revision: $build_info"
step "/-/ready 200; /metrics: $(echo "$metrics" | grep -c '^# TYPE') families; $build_info"

for _ in $(seq 1 60); do
    status=$("$DOCKER" inspect --format '{{.State.Health.Status}}' "$container")
    [ "$status" = healthy ] && break; sleep 0.5
done
[ "$status" = healthy ] || fail "the container's health is '$status'"
step "HEALTHCHECK: healthy"

"$DOCKER" stop --time 20 "$container" >/dev/null
code=$("$DOCKER" inspect --format '{{.State.ExitCode}}' "$container")
[ "$code" = 0 ] || { "$DOCKER" logs "$container" >&2; fail "the exporter exited $code on docker stop"; }
step "docker stop: exit 0 after a clean shutdown"
step "PASS"
