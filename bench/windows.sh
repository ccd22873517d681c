#!/usr/bin/env bash
# One Bastion process under steady load, window by window (docs/benchmarks.md, "Noise inside one
# process"): starts the benchmark's mock upstream and `./bastion serve` with CONFIG, both on
# SERVER_CPU, drives 32 connections from LOAD_CPU with wrk, warms up, then prints for each window:
# requests/s, the gateway's CPU µs per request, its young-collection count and pause time, and the
# heap after the window's last collection (from -Xlog:gc).
#
#   bench/windows.sh [CONFIG] [WINDOWS]     defaults: bench/configs/min.yaml, 8
#   WARM=45 SECS=10 PORT_BASE=18800 SERVER_CPU=0 LOAD_CPU=1 BUILD=0 (use the jar already built)
#
# Needs wrk (bench/run.sh installs it). Ports PORT_BASE+1 (mock), +4/+5 (Bastion), +7 (the OTLP
# sink, on LOAD_CPU, for configurations that export). The output directory is target/bench/windows.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
cfg="${1:-bench/configs/min.yaml}" n="${2:-8}"
WARM="${WARM:-45}" SECS="${SECS:-10}" PB="${PORT_BASE:-18800}"
SERVER_CPU="${SERVER_CPU:-0}" LOAD_CPU="${LOAD_CPU:-1}"
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 3; }
out="$here/target/bench/windows"
rm -rf "$out" && mkdir -p "$out"
[ "${BUILD:-1}" = 1 ] && mvn -B -q package -DskipTests >&2
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/jmh.classpath >&2
CP="$here/target/test-classes:$here/target/classes:$(cat target/jmh.classpath)"

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
await() { # file pattern [pid that must stay alive]
  local i
  for ((i = 0; i < 12000; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then echo "exited before '$2' (see ${1%.log}.err)" >&2; return 1; fi
    sleep 0.05
  done
  echo "timed out waiting for '$2' in $1" >&2; return 1
}
taskset -c "$SERVER_CPU" java -XX:+UseSerialGC -Xmx256m -Dsun.net.httpserver.nodelay=true -cp "$CP" dev.bastion.bench.MockUpstream http 127.0.0.1 $((PB + 1)) >"$out/mock.log" 2>&1 &
pids+=($!)
await "$out/mock.log" "ready on"
# the OTLP sink stands for the operator's collector (as in bench/run.sh): on the load core
taskset -c "$LOAD_CPU" java -XX:+UseSerialGC -Xmx256m -cp "$CP" dev.bastion.bench.OtlpSink 127.0.0.1 $((PB + 7)) >"$out/otlp-sink.log" 2>&1 &
pids+=($!)
await "$out/otlp-sink.log" "ready on"
BENCH_LISTEN=127.0.0.1:$((PB + 4)) BENCH_ADMIN=127.0.0.1:$((PB + 5)) BENCH_DATA="$out/data" BENCH_MOCK_URL=http://127.0.0.1:$((PB + 1))/mcp BENCH_OTLP_URL=http://127.0.0.1:$((PB + 7)) \
  JAVA_TOOL_OPTIONS="-Xlog:gc:file=$out/gc.log:uptime:filecount=0" taskset -c "$SERVER_CPU" ./bastion serve --config "$cfg" >"$out/bastion.log" 2>"$out/bastion.err" &
pids+=($!); launcher=$!
await "$out/bastion.log" "mcp endpoint" "$launcher"
jvm=$(pgrep -P "$launcher" java || echo "$launcher")
key=""; [[ "$cfg" == *full* ]] && key=bench-key
sid=$(taskset -c "$LOAD_CPU" java -XX:TieredStopAtLevel=1 -cp "$CP" dev.bastion.bench.BenchClient session http://127.0.0.1:$((PB + 4))/mcp "$key")
drive() { BENCH_TOOL=mock__echo BENCH_SESSION="$sid" BENCH_KEY="$key" taskset -c "$LOAD_CPU" wrk -t1 -c32 -d"$1"s --timeout 10s -s bench/wrk/mcp.lua http://127.0.0.1:$((PB + 4))/mcp | grep '^BENCH'; }
ticks() { awk '{print $14 + $15}' "/proc/$jvm/stat"; }
drive "$WARM" >/dev/null
tck=$(getconf CLK_TCK)
printf '%-6s %8s %12s %9s %12s %s\n' window req/s cpu_us/req young_gcs pause_ms heap_after_last_gc
for ((i = 1; i <= n; i++)); do
  t0=$(ticks); g0=$(wc -l <"$out/gc.log")
  line=$(drive "$SECS"); t1=$(ticks)
  reqs=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$line"); rps=$(sed -n 's/.* rps=\([0-9.]*\).*/\1/p' <<<"$line")
  gc=$(tail -n +$((g0 + 1)) "$out/gc.log" | awk '/Pause Young/ {gsub(/ms/, "", $NF); s += $NF; n++} END {printf "%9d %12.0f", n, s}')
  heap=$(grep 'Pause' "$out/gc.log" | tail -1 | awk '{print $(NF-1)}')
  printf '%-6s %8s %12s %s %s\n' "$i" "$rps" "$(( (t1 - t0) * 1000000 / tck / reqs ))" "$gc" "$heap"
done
