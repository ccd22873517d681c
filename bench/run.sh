#!/usr/bin/env bash
# Load benchmark: Bastion against the mock upstream direct, nginx and mcp-proxy (docs/benchmarks.md).
#   bench/run.sh            full run (7 to 9 minutes): table in target/bench/results.md
#   bench/run.sh --smoke    a few seconds per path: every path answers correct JSON-RPC; no figures
# Settings (environment): ROUNDS (3), SECS (10, per round at 32 connections), SECS1 (3, at 1
# connection), WARM (10, the shortest warm-up), WARM_MAX (50, the longest), WARM_STEP (5),
# SESSIONS (10000), SERVER_CPU (0), LOAD_CPU (1), SINK_CPU (the load core: the OTLP sink stands for
# the operator's collector, which does not run on the gateway's core), PAIR_ROUNDS (6: extra rounds
# of the telemetry pair alone after the ROUNDS rounds), PORT_BASE (18100: ports PORT_BASE+1 to +21),
# SKIP_PEERS=1 (Bastion and the mock only), BUILD=0 (use the jar already built). Installs
# nginx-light and wrk from Debian (needs root) and mcp-proxy from npm (pinned in
# bench/package.json) when they are missing.
# Warm-up: each configuration is driven at 32 connections in WARM_STEP-second windows until it is
# in its steady state, from WARM up to WARM_MAX seconds: a window in which a JVM's JIT compiler
# threads took under 5% of the process's CPU and CPU time per request stopped falling (within 3% of
# the window before). A fixed short warm-up left C2 compiling inside the measured rounds and charged
# that CPU to whichever configuration has the most code. The curve is in target/bench/run/warmup.tsv.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"

SMOKE=0
[ "${1:-}" = "--smoke" ] && SMOKE=1
ROUNDS="${ROUNDS:-3}" SECS="${SECS:-10}" SECS1="${SECS1:-3}" SESSIONS="${SESSIONS:-10000}"
WARM="${WARM:-10}" WARM_MAX="${WARM_MAX:-50}" WARM_STEP="${WARM_STEP:-5}"
SERVER_CPU="${SERVER_CPU:-0}" LOAD_CPU="${LOAD_CPU:-1}" SKIP_PEERS="${SKIP_PEERS:-0}"
SINK_CPU="${SINK_CPU:-$LOAD_CPU}" PAIR_ROUNDS="${PAIR_ROUNDS:-6}" PORT_BASE="${PORT_BASE:-18100}"
PB=$PORT_BASE
out="$here/target/bench"
rm -rf "$out/run" && mkdir -p "$out/run"
log() { echo "bench: $*" >&2; }

# ------------------------------------------------------------------ set-up
if [ "$SKIP_PEERS" != 1 ]; then
  need=()
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
  [ "$SMOKE" = 1 ] || command -v wrk >/dev/null || need+=(wrk)
  if [ "${#need[@]}" -gt 0 ]; then
    log "installing ${need[*]} from Debian"
    apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2
  fi
  if [ ! -x bench/node_modules/.bin/mcp-proxy ]; then
    log "installing mcp-proxy from npm (pinned)"
    (cd bench && npm ci --no-audit --no-fund >&2)
  fi
fi
[ "$SMOKE" = 1 ] || command -v wrk >/dev/null || { log "wrk is required (apt-get install wrk)"; exit 3; }
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

if [ "${BUILD:-1}" = 1 ]; then
  log "building"
  mvn -B -q package -DskipTests >&2
fi
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/jmh.classpath >&2
CP="$here/target/test-classes:$here/target/classes:$(cat target/jmh.classpath)"
JAVA_LIGHT=(-XX:+UseSerialGC -Xmx256m -Dsun.net.httpserver.nodelay=true)

# ports (PORT_BASE + n): mock +1, nginx +2, mcp-proxy +3, bastion-min +4, bastion-full +5, bastion-otel +6,
# otlp-sink +7, demo +20/+21; admin ports: the Bastion port + 100
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

await_line() { # file pattern seconds
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  log "timed out waiting for '$2' in $1"; tail -20 "$1" >&2; return 1
}
await_port() { # port seconds
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  log "timed out waiting for port $1"; return 1
}
client() { taskset -c "$LOAD_CPU" java -XX:TieredStopAtLevel=1 -cp "$CP" dev.bastion.bench.BenchClient "$@"; }

declare -A URL TOOL KEY PID LABEL
CONFIGS=()
add() { CONFIGS+=("$1"); LABEL[$1]="$2"; URL[$1]="$3"; TOOL[$1]="$4"; KEY[$1]="$5"; PID[$1]="$6"; }

log "starting the mock upstream"
taskset -c "$SERVER_CPU" java "${JAVA_LIGHT[@]}" -cp "$CP" dev.bastion.bench.MockUpstream http 127.0.0.1 $((PB + 1)) >"$out/run/mock.log" 2>&1 &
PIDS+=($!); mock_pid=$!
await_line "$out/run/mock.log" "ready on" 60
add mock "mock direct (floor)" http://127.0.0.1:$((PB + 1))/mcp echo "" "$mock_pid"

if [ "$SKIP_PEERS" != 1 ]; then
  log "starting nginx"
  mkdir -p "$out/run/nginx/logs"
  sed -e "s#@PREFIX@#$out/run/nginx#g" -e "s#:18101;#:$((PB + 1));#" -e "s#:18102;#:$((PB + 2));#" bench/nginx.conf >"$out/run/nginx/nginx.conf"
  taskset -c "$SERVER_CPU" "$NGINX" -p "$out/run/nginx" -c "$out/run/nginx/nginx.conf" >"$out/run/nginx.log" 2>&1 &
  PIDS+=($!); nginx_pid=$!
  await_port $((PB + 2)) 30
  add nginx "nginx reverse proxy" http://127.0.0.1:$((PB + 2))/mcp echo "" "$nginx_pid"

  log "starting mcp-proxy over the stdio mock"
  taskset -c "$SERVER_CPU" node bench/node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs --host 127.0.0.1 --port $((PB + 3)) --server stream \
    --no-eventStore -- java "${JAVA_LIGHT[@]}" -cp "$CP" dev.bastion.bench.MockUpstream stdio >"$out/run/mcp-proxy.log" 2>&1 &
  PIDS+=($!); proxy_pid=$!
  await_port $((PB + 3)) 60
  add proxy "mcp-proxy (npm) + stdio mock" http://127.0.0.1:$((PB + 3))/mcp echo "" "$proxy_pid"
fi

start_bastion() { # name config port
  local data="$out/run/data-$1"
  BENCH_LISTEN="127.0.0.1:$3" BENCH_ADMIN="127.0.0.1:$(($3 + 100))" BENCH_DATA="$data" BENCH_MOCK_URL=http://127.0.0.1:$((PB + 1))/mcp \
    BENCH_OTLP_URL="${BENCH_OTLP_URL:-}" \
    taskset -c "$SERVER_CPU" ./bastion serve --config "$2" >"$out/run/$1.log" 2>"$out/run/$1.err" &
  PIDS+=($!); PID[$1]=$!
  await_line "$out/run/$1.log" "mcp endpoint" 120
}
log "starting Bastion (min, full)"
start_bastion bastion-min bench/configs/min.yaml $((PB + 4))
add bastion-min "Bastion, no protections" http://127.0.0.1:$((PB + 4))/mcp mock__echo "" "${PID[bastion-min]}"
# the telemetry-overhead pair: min.yaml (telemetry off) and min-otel.yaml (tracing to a local
# discarding OTLP sink, metrics on), measured back to back in every round
# The sink runs on SINK_CPU (the load core by default), not on the gateway's core: it stands for the
# operator's collector, and on the server core its CPU (receiving ~1 MB exports) was charged to the
# gateway's throughput, a different share in every round.
log "starting the OTLP sink (core $SINK_CPU) and Bastion (min with telemetry)"
taskset -c "$SINK_CPU" java "${JAVA_LIGHT[@]}" -cp "$CP" dev.bastion.bench.OtlpSink 127.0.0.1 $((PB + 7)) >"$out/run/otlp-sink.log" 2>&1 &
PIDS+=($!)
await_line "$out/run/otlp-sink.log" "ready on" 60
BENCH_OTLP_URL=http://127.0.0.1:$((PB + 7)) start_bastion bastion-otel bench/configs/min-otel.yaml $((PB + 6))
add bastion-otel "Bastion, no protections, tracing + metrics on" http://127.0.0.1:$((PB + 6))/mcp mock__echo "" "${PID[bastion-otel]}"
# the full pipeline traces every request to the same sink (issue #8: "... tracing and metrics on")
BENCH_OTLP_URL=http://127.0.0.1:$((PB + 7)) start_bastion bastion-full bench/configs/full.yaml $((PB + 5))
add bastion-full "Bastion, full pipeline" http://127.0.0.1:$((PB + 5))/mcp mock__echo bench-key "${PID[bastion-full]}"

# ------------------------------------------------------------------ correctness of every path
for c in "${CONFIGS[@]}"; do
  flags=()
  case "$c" in mock | bastion-*) flags=(--stateless) ;; esac
  client check "${URL[$c]}" "${TOOL[$c]}" "${KEY[$c]}" "${flags[@]}" >&2
done
if [ "$SMOKE" = 1 ]; then
  log "smoke: every path answered correctly (${CONFIGS[*]})"
  exit 0
fi

# ------------------------------------------------------------------ load
cpu_ticks() { # pid and its children (nginx workers), utime+stime
  local total=0 p
  for p in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    [ "$c" = proxy ] && [ "$p" != "$1" ] && continue # mcp-proxy: the node process only, not its stdio server
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
hwm_kb() {
  local max=0 p v
  for p in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    [ "$c" = proxy ] && [ "$p" != "$1" ] && continue
    v=$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    [ "$v" -gt "$max" ] && max=$v
  done
  echo "$max"
}
declare -A SID
for c in "${CONFIGS[@]}"; do SID[$c]="$(client session "${URL[$c]}" "${KEY[$c]}")"; done
wrk_run() { # config connections seconds -> "BENCH ..." line
  BENCH_TOOL="${TOOL[$1]}" BENCH_SESSION="${SID[$1]}" BENCH_KEY="${KEY[$1]}" \
    taskset -c "$LOAD_CPU" wrk -t1 -c"$2" -d"$3"s --timeout 10s -s bench/wrk/mcp.lua "${URL[$1]}" | grep '^BENCH'
}
field() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" <<<"$1"; }

jit_ticks() { # pid: CPU ticks of a JVM's JIT compiler threads (0 for other processes)
  local total=0 t
  for t in /proc/"$1"/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in
      "C1 CompilerThre"* | "C2 CompilerThre"*) total=$((total + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0))) ;;
    esac
  done
  echo "$total"
}
tck=$(getconf CLK_TCK)
warmup="$out/run/warmup.tsv"
echo -e "config\tseconds\tcpu_us_per_req\tjit_pct" >"$warmup"
declare -A WARMED
warm_up() { # config: WARM_STEP windows until steady (see the header), WARM to WARM_MAX seconds
  local c=$1 el=0 prev=0 capped="" b0 b1 j0 j1 line reqs cpu jit
  while :; do
    b0=$(cpu_ticks "${PID[$c]}"); j0=$(jit_ticks "${PID[$c]}")
    line=$(wrk_run "$c" 32 "$WARM_STEP")
    b1=$(cpu_ticks "${PID[$c]}"); j1=$(jit_ticks "${PID[$c]}")
    el=$((el + WARM_STEP))
    reqs=$(field "$line" requests)
    cpu=$(awk -v d=$((b1 - b0)) -v n="${reqs:-0}" -v t="$tck" 'BEGIN { printf "%.0f", (n > 0 ? d * 1e6 / t / n : 0) }')
    jit=$(((j1 - j0) * 100 / (b1 - b0 > 0 ? b1 - b0 : 1)))
    echo -e "$c\t$el\t$cpu\t$jit" >>"$warmup"
    if [ "$el" -ge "$WARM" ] && [ "$jit" -lt 5 ] && [ "$prev" -gt 0 ] && [ $((cpu * 100)) -ge $((prev * 97)) ]; then break; fi
    if [ "$el" -ge "$WARM_MAX" ]; then capped=" (cap)"; break; fi
    prev=$cpu
  done
  WARMED[$c]="$el s$capped"
  log "  $c: warmed $el s$capped (last window $cpu CPU us/req, JIT $jit%)"
}
log "warm-up (${WARM}-${WARM_MAX}s each, until steady)"
for c in "${CONFIGS[@]}"; do warm_up "$c"; done
raw="$out/run/raw.tsv"
echo -e "round\tconfig\tconns\trps\tp50_us\tp99_us\trequests\terrors\tcpu_us_per_req" >"$raw"
for ((r = 1; r <= ROUNDS; r++)); do
  log "round $r of $ROUNDS"
  for c in "${CONFIGS[@]}"; do
    for conns in 32 1; do
      secs=$SECS; [ "$conns" = 1 ] && secs=$SECS1
      before=$(cpu_ticks "${PID[$c]}")
      line=$(wrk_run "$c" "$conns" "$secs")
      after=$(cpu_ticks "${PID[$c]}")
      reqs=$(field "$line" requests)
      cpu=$(awk -v d=$((after - before)) -v n="$reqs" -v t="$tck" 'BEGIN { printf "%.0f", (n > 0 ? d * 1e6 / t / n : 0) }')
      echo -e "$r\t$c\t$conns\t$(field "$line" rps)\t$(field "$line" p50_us)\t$(field "$line" p99_us)\t$reqs\t$(field "$line" errors)\t$cpu" >>"$raw"
    done
  done
done
# The telemetry pair's extra rounds: off and on back to back at 32 connections, the order swapped
# every round (so that neither side always runs first after the other configurations); the target
# row takes the median of the per-round ratios over all rounds.
for ((r = 1; r <= PAIR_ROUNDS; r++)); do
  log "telemetry pair round $r of $PAIR_ROUNDS"
  pair=(bastion-min bastion-otel); [ $((r % 2)) = 0 ] && pair=(bastion-otel bastion-min)
  for c in "${pair[@]}"; do
    before=$(cpu_ticks "${PID[$c]}")
    line=$(wrk_run "$c" 32 "$SECS")
    after=$(cpu_ticks "${PID[$c]}")
    reqs=$(field "$line" requests)
    cpu=$(awk -v d=$((after - before)) -v n="$reqs" -v t="$tck" 'BEGIN { printf "%.0f", (n > 0 ? d * 1e6 / t / n : 0) }')
    echo -e "p$r\t$c\t32\t$(field "$line" rps)\t$(field "$line" p50_us)\t$(field "$line" p99_us)\t$reqs\t$(field "$line" errors)\t$cpu" >>"$raw"
  done
done
declare -A HWM
for c in "${CONFIGS[@]}"; do HWM[$c]=$(hwm_kb "${PID[$c]}"); done
log "OTLP sink received: $(curl -s http://127.0.0.1:$((PB + 7))/stats 2>/dev/null || echo '?')"

# ------------------------------------------------------------------ sessions and start-up
log "opening $SESSIONS legacy sessions on Bastion (full)"
client sessions "${URL[bastion-full]}" bench-key "$SESSIONS" >&2
rss_sessions=$(awk '/VmRSS/ {print $2}' "/proc/${PID[bastion-full]}/status")
hwm_sessions=$(awk '/VmHWM/ {print $2}' "/proc/${PID[bastion-full]}/status")
cleanup
PIDS=()

log "start-up to ready: ./bastion demo (before run 0 the launcher trains the AOT caches; run 0 is not counted)"
startups=()
rm -f target/bastion.aot target/bastion-builtin.aot # run 0's launcher trains fresh caches first
for i in 0 1 2 3; do
  rm -rf "$out/run/demo"
  t0=$(date +%s%N)
  taskset -c "$SERVER_CPU" ./bastion demo --dir "$out/run/demo" --port $((PB + 20)) --admin-port $((PB + 21)) >"$out/run/demo-$i.log" 2>&1 &
  dpid=$!; PIDS=("$dpid")
  await_line "$out/run/demo-$i.log" "Bastion demo is running" "$([ "$i" = 0 ] && echo 600 || echo 120)"
  t1=$(date +%s%N)
  kill "$dpid"; wait "$dpid" 2>/dev/null || true
  [ "$i" -gt 0 ] && startups+=($(((t1 - t0) / 1000000)))
done
PIDS=()

# ------------------------------------------------------------------ table
python3 - "$raw" "$out/results.md" "$rss_sessions" "$hwm_sessions" "${startups[*]}" \
  "$(for c in "${CONFIGS[@]}"; do printf '%s=%s=%s;' "$c" "${HWM[$c]}" "${LABEL[$c]}"; done)" \
  "$(for c in "${CONFIGS[@]}"; do printf '%s %s; ' "$c" "${WARMED[$c]}"; done)" <<'EOF'
import csv, statistics, sys
raw, dest, rss_s, hwm_s, startups, meta, warmed = sys.argv[1:8]
rows = list(csv.DictReader(open(raw), delimiter="\t"))
info = [m.split("=", 2) for m in meta.split(";") if m]
def med(c, conns, key):
    v = [float(r[key]) for r in rows if r["config"] == c and r["conns"] == conns and r[key]]
    return statistics.median(v) if v else float("nan")
out = ["| configuration | req/s (32 conn) | p50 ms (32) | p99 ms (32) | p50 ms (1 conn) | CPU µs/req (32) | peak RSS MB | errors |",
       "|---|---:|---:|---:|---:|---:|---:|---:|"]
fig = {}
for c, hwm, label in info:
    errs = sum(int(r["errors"] or 0) for r in rows if r["config"] == c)
    fig[c] = dict(rps=med(c, "32", "rps"), p50=med(c, "32", "p50_us"), p99=med(c, "32", "p99_us"), p1=med(c, "1", "p50_us"), cpu=med(c, "32", "cpu_us_per_req"))
    f = fig[c]
    out.append(f"| {label} | {f['rps']:.0f} | {f['p50']/1000:.2f} | {f['p99']/1000:.2f} | {f['p1']/1000:.3f} | {f['cpu']:.0f} | {int(hwm)/1024:.0f} | {errs} |")
out.append("")
out.append(f"Medians of {len(set(r['round'] for r in rows if not r['round'].startswith('p')))} interleaved rounds (the telemetry pair: {len(set(r['round'] for r in rows))}, see the target row), each configuration warmed until steady first ({warmed.strip().rstrip(';')}).")
full = fig.get("bastion-full"); nginx = fig.get("nginx"); proxy = fig.get("proxy"); mock = fig.get("mock")
out.append("")
out.append("| target | measured | met |")
out.append("|---|---|---|")
if full and nginx:
    r = full["rps"] / nginx["rps"]; out.append(f"| Bastion full ≥ 60% of nginx req/s | {r*100:.0f}% | {'yes' if r >= 0.6 else 'no'} |")
if full and proxy:
    r = full["rps"] / proxy["rps"]; out.append(f"| Bastion full ≥ 5× mcp-proxy req/s | {r:.1f}× | {'yes' if r >= 5 else 'no'} |")
if full and mock:
    d = (full["p1"] - mock["p1"]) / 1000; out.append(f"| added p50 at 1 connection ≤ 0.2 ms | {d:.3f} ms | {'yes' if d <= 0.2 else 'no'} |")
on, off = fig.get("bastion-otel"), fig.get("bastion-min")
if on and off:
    rps_r, cpu_r = [], []
    for rnd in dict.fromkeys(r_["round"] for r_ in rows):
        def one(c, key):
            v = [float(x[key]) for x in rows if x["round"] == rnd and x["conns"] == "32" and x["config"] == c and x[key]]
            return v[0] if v else 0.0
        a, b = one("bastion-otel", "rps"), one("bastion-min", "rps")
        if a and b:
            rps_r.append(a / b)
            ca, cb = one("bastion-otel", "cpu_us_per_req"), one("bastion-min", "cpu_us_per_req")
            if ca and cb:
                cpu_r.append(ca / cb)
    r = statistics.median(rps_r)
    cpu = f"; CPU µs/req on/off, median of rounds: {statistics.median(cpu_r)*100:.0f}%" if cpu_r else ""
    out.append(f"| telemetry on (tracing + metrics) ≥ 90% of off req/s | {r*100:.0f}%, median of {len(rps_r)} rounds' ratios (rounds: {', '.join(f'{x*100:.0f}%' for x in rps_r)}{cpu}; medians {off['rps']:.0f} → {on['rps']:.0f} req/s, {off['cpu']:.0f} → {on['cpu']:.0f} CPU µs/req) | {'yes' if r >= 0.9 else 'no'} |")
rss = int(rss_s) / 1024
out.append(f"| RSS ≤ 300 MB with 10,000 legacy sessions | {rss:.0f} MB (peak {int(hwm_s)/1024:.0f} MB) | {'yes' if rss <= 300 else 'no'} |")
st = [int(s) for s in startups.split()]
if st:
    m = statistics.median(st) / 1000; out.append(f"| start-up to ready ≤ 1.5 s (demo) | {m:.2f} s (runs: {', '.join(f'{s/1000:.2f}' for s in st)}) | {'yes' if m <= 1.5 else 'no'} |")
text = "\n".join(out) + "\n"
open(dest, "w").write(text)
print(text)
EOF
log "raw figures: $raw; table: $out/results.md"
