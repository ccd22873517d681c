#!/usr/bin/env bash
# Start-up to ready of `./bastion demo` (issue #8), N times: wall time from the launch to the
# "Bastion demo is running" line, and the CPU time (user + system) the gateway JVM and its builtin
# demo child have used by then. The gateway is pinned to one core like bench/run.sh's start-up step.
#
#   bench/startup.sh [N]            N measured runs (default 5) after one unmeasured run that lets
#                                   the launcher write its caches (AOT cache / CDS archives)
#   ROOT=/path/to/checkout          the launcher to measure (default: this checkout); for an A/B,
#                                   point ROOT at a copy holding the old `bastion` + target/bastion.jar
#   PORT=18600 CPU=0 WARMUP=1       ports PORT and PORT+1; core for taskset; WARMUP=0 skips run 0
#
# On a shared machine wall time reflects the load; the CPU seconds are the figure to compare.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${ROOT:-$here}"
n="${1:-5}"
port="${PORT:-18600}"
cpu="${CPU:-0}"
warmup="${WARMUP:-1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/bastion-startup.XXXXXX")"
tick="$(getconf CLK_TCK)"
gw=""
trap '[ -n "$gw" ] && kill "$gw" 2>/dev/null; rm -rf "$work"' EXIT

# CPU seconds (user + system) of a process, from /proc/<pid>/stat (fields 14 and 15).
cpu_of() { awk -v t="$tick" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }

run() { # $1 = run index, $2 = seconds to wait for ready; prints "wall gateway-cpu child-cpu"
  rm -rf "$work/demo"
  local log="$work/demo-$1.log" t0 t1 child
  t0=$(date +%s%N)
  taskset -c "$cpu" "$root/bastion" demo --dir "$work/demo" --port "$port" --admin-port "$((port + 1))" >"$log" 2>&1 &
  gw=$!
  until grep -q "Bastion demo is running" "$log" 2>/dev/null; do
    if ! kill -0 "$gw" 2>/dev/null; then echo "bastion exited before ready; log:" >&2; cat "$log" >&2; exit 1; fi
    if [ $(($(date +%s%N) - t0)) -gt $(($2 * 1000000000)) ]; then echo "not ready after $2 s; log:" >&2; cat "$log" >&2; exit 1; fi
    sleep 0.01
  done
  t1=$(date +%s%N)
  child="$(pgrep -P "$gw" | head -n1 || true)"
  local g c=0
  g="$(cpu_of "$gw")"
  [ -n "$child" ] && c="$(cpu_of "$child")"
  kill -TERM "$gw"
  wait "$gw" 2>/dev/null || true
  gw=""
  echo "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }') $g $c"
}

if [ "$warmup" = 1 ]; then
  r0="$(run 0 900)" || exit 1 # may include the launcher's training run
  echo "run 0 (unmeasured; the launcher trains its caches first if they are missing): $r0" >&2
fi
results=()
for i in $(seq 1 "$n"); do
  r="$(run "$i" 300)" || exit 1
  results+=("$r")
  read -r w g c <<<"$r"
  printf 'run %d: wall %s s  gateway CPU %s s  child CPU %s s  total CPU %s s\n' "$i" "$w" "$g" "$c" \
    "$(awk -v a="$g" -v b="$c" 'BEGIN { printf "%.2f", a + b }')"
done
printf '%s\n' "${results[@]}" | awk '
  { w[NR] = $1; g[NR] = $2; c[NR] = $3; t[NR] = $2 + $3 }
  function med(a, n,   i, j, x, s) { for (i = 1; i <= n; i++) s[i] = a[i]
    for (i = 2; i <= n; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
    return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2 }
  END { printf "median of %d: wall %.2f s  gateway CPU %.2f s  child CPU %.2f s  total CPU %.2f s\n",
        NR, med(w, NR), med(g, NR), med(c, NR), med(t, NR) }'
