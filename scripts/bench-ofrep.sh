#!/usr/bin/env bash
# The ofrep workload of Benchmarks/Floor/WORKLOADS.md: single-flag OFREP evaluations over HTTP/1.1 keep-alive from wrk
# on loopback, 2 threads, 64 connections, OFREP_SECONDS (default 20) seconds. Prints one line:
#   workload=ofrep requests_per_sec=<n> p99_ms=<n> non_2xx=<n>
# Uses the release binary on the shipped config, synthetic traffic off, the mirror rate limit lifted.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=.build/release/featureflag_exporter
seconds=${OFREP_SECONDS:-20}
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

cat > "$work/exporter.yaml" <<'YAML'
synthetic: {enabled: false}
mirror: {rate_limit: 100000000}
YAML
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"context":{"targetingKey":"user-4711","user_type":"developer","environment":"production"}}'
LUA

"$binary" serve --config.file config/feature_flags.yaml --exporter.config-file "$work/exporter.yaml" \
    --environment production --web.listen-address 127.0.0.1:0 --refresh.mode none > "$work/log" 2>&1 &
echo $! > "$work/pid"
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/.*msg=listening address=127.0.0.1:\([0-9]*\).*/\1/p' "$work/log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "exporter did not start:" >&2; cat "$work/log" >&2; exit 1; }

url="http://127.0.0.1:$port/ofrep/v1/evaluate/flags/phase2_health_checks"
curl -sf -X POST -d '{"context":{"targetingKey":"warm-up"}}' "$url" > /dev/null
wrk -t2 -c64 -d"${seconds}s" --latency -s "$work/post.lua" "$url" > "$work/wrk" 2>&1
requests=$(awk '/Requests\/sec/ {print $2}' "$work/wrk")
p99=$(awk '$1 == "99%" {print $2}' "$work/wrk")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk")
# wrk prints latencies with a unit (us, ms, s): convert to milliseconds.
p99_ms=$(echo "$p99" | awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v=v*1000 } printf "%.2f", v }')
echo "workload=ofrep requests_per_sec=${requests} p99_ms=${p99_ms} non_2xx=${non2xx:-0} threads=2 connections=64 seconds=${seconds}"
