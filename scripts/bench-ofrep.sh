#!/usr/bin/env bash
# The ofrep workload of Benchmarks/Floor/WORKLOADS.md: single-flag OFREP evaluations over HTTP/1.1 keep-alive from wrk
# on loopback, 2 threads, 64 connections, OFREP_SECONDS (default 20) seconds; then the machine's HTTP floor: Debian's
# nginx (one worker) answering the same POST with the exporter's response body, under the same wrk. Prints:
#   workload=ofrep requests_per_sec=<n> p99_ms=<n> non_2xx=<n> ...
#   workload=ofrep-nginx-floor requests_per_sec=<n> p99_ms=<n> non_2xx=<n> ...
#   ofrep_share_of_nginx=<exporter / nginx>
# and, when `make bench` built them (Benchmarks/.build/release/hbfloor, niofloor), the Swift floors between the two:
#   workload=ofrep-hummingbird-floor ... (a bare Hummingbird router), workload=ofrep-swiftnio-floor ... (a bare
#   swift-nio pipeline), then ofrep_share_of_<floor>=<exporter / floor> <floor>_share_of_nginx=<floor / nginx>
# Uses the release binary on the shipped config, synthetic traffic off, the mirror rate limit lifted.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${OFREP_BINARY:-.build/release/featureflag_exporter}
seconds=${OFREP_SECONDS:-20}
work=$(mktemp -d)
trap 'kill $(cat "$work/pid" 2>/dev/null) $(cat "$work/floor.pid" 2>/dev/null) $(cat "$work/nginx.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$work"' EXIT

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
answer=$(curl -sf -X POST -d '{"context":{"targetingKey":"user-4711","user_type":"developer","environment":"production"}}' "$url")

# wrk against $1; prints "requests_per_sec p99_ms non_2xx".
measure() {
    wrk -t2 -c64 -d"${seconds}s" --latency -s "$work/post.lua" "$1" > "$work/wrk" 2>&1
    local requests p99 non2xx
    requests=$(awk '/Requests\/sec/ {print $2}' "$work/wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk")
    # wrk prints latencies with a unit (us, ms, s): convert to milliseconds.
    p99=$(echo "$p99" | awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v=v*1000 } printf "%.2f", v }')
    echo "$requests $p99 ${non2xx:-0}"
}

read -r exporter_rps exporter_p99 exporter_non2xx < <(measure "$url")
echo "workload=ofrep requests_per_sec=${exporter_rps} p99_ms=${exporter_p99} non_2xx=${exporter_non2xx} threads=2 connections=64 seconds=${seconds}"
kill "$(cat "$work/pid")" 2>/dev/null || true
rm -f "$work/pid"

# The Swift floors, when `make bench` built them: the same answer from a bare Hummingbird router (the framework the
# exporter is built on) and from a bare swift-nio pipeline (a handler on the event loop, no framework).
floors_dir=${OFREP_FLOORS_DIR:-Benchmarks/.build/release}
declare -A floor_rps
for floor in hbfloor niofloor; do
    [ -x "$floors_dir/$floor" ] || continue
    floor_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$floors_dir/$floor" "$floor_port" "$answer" > "$work/$floor.log" 2>&1 &
    echo $! > "$work/floor.pid"
    floor_url="http://127.0.0.1:$floor_port/ofrep/v1/evaluate/flags/phase2_health_checks"
    for _ in $(seq 1 100); do
        curl -sf -X POST -d '{}' "$floor_url" > /dev/null 2>&1 && break
        sleep 0.1
    done
    [ "$(curl -sf -X POST -d '{}' "$floor_url")" = "$answer" ] || { echo "$floor did not answer the exporter's body" >&2; cat "$work/$floor.log" >&2; exit 1; }
    read -r rps p99 non2xx < <(measure "$floor_url")
    floor_rps[$floor]=$rps
    name=$([ "$floor" = hbfloor ] && echo hummingbird || echo swiftnio)
    echo "workload=ofrep-${name}-floor requests_per_sec=${rps} p99_ms=${p99} non_2xx=${non2xx} threads=2 connections=64 seconds=${seconds}"
    kill "$(cat "$work/floor.pid")" 2>/dev/null || true
    wait "$(cat "$work/floor.pid")" 2>/dev/null || true
    rm -f "$work/floor.pid"
done

# The floor: nginx, one worker, answering the same POST with the same body (what any HTTP/1.1 server costs here).
nginx_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx/tmp"
case "$answer" in *"'"*|*'$'*|*\\*) echo "the exporter's answer has a quote, \$ or backslash: not embeddable in nginx's return" >&2; exit 1 ;; esac
escaped=$answer
cat > "$work/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp;
    proxy_temp_path $work/nginx/tmp;
    fastcgi_temp_path $work/nginx/tmp;
    uwsgi_temp_path $work/nginx/tmp;
    scgi_temp_path $work/nginx/tmp;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nginx_port;
        location / {
            default_type application/json;
            return 200 '$escaped';
        }
    }
}
NGINX
/usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" > /dev/null 2>&1 &
for _ in $(seq 1 100); do
    curl -sf -X POST -d '{}' "http://127.0.0.1:$nginx_port/" > /dev/null 2>&1 && break
    sleep 0.1
done
floor_url="http://127.0.0.1:$nginx_port/ofrep/v1/evaluate/flags/phase2_health_checks"
[ "$(curl -sf -X POST -d '{}' "$floor_url")" = "$answer" ] || { echo "nginx floor did not answer the exporter's body" >&2; cat "$work/nginx/error.log" >&2; exit 1; }
read -r nginx_rps nginx_p99 nginx_non2xx < <(measure "$floor_url")
echo "workload=ofrep-nginx-floor requests_per_sec=${nginx_rps} p99_ms=${nginx_p99} non_2xx=${nginx_non2xx} threads=2 connections=64 seconds=${seconds} workers=1"
awk -v a="$exporter_rps" -v b="$nginx_rps" 'BEGIN { printf "ofrep_share_of_nginx=%.2f\n", (b > 0 ? a / b : 0) }'
for floor in hbfloor niofloor; do
    [ -n "${floor_rps[$floor]:-}" ] || continue
    name=$([ "$floor" = hbfloor ] && echo hummingbird || echo swiftnio)
    awk -v a="$exporter_rps" -v f="${floor_rps[$floor]}" -v b="$nginx_rps" -v n="$name" \
        'BEGIN { printf "ofrep_share_of_%s=%.2f %s_share_of_nginx=%.2f\n", n, (f > 0 ? a / f : 0), n, (b > 0 ? f / b : 0) }'
done
