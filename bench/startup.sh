#!/usr/bin/env bash
# Start-up to ready of `./bastion demo` (issue #8), N times: wall time from the launch to the
# "Bastion demo is running" line, and the CPU time (user + system) the gateway JVM and its builtin
# demo child have used by then. Each run is made in every pinning of PINS, alternated, and (with
# BASE) for the old launcher too, so that a change in the machine's load hits all of them alike.
#
#   bench/startup.sh [N]            N measured rounds (default 5) after one unmeasured run that lets
#                                   the launcher write its caches (AOT cache / CDS archives)
#   PINS="0 all"                    the pinnings: a taskset core list (0: one core, like bench/run.sh's
#                                   start-up step) or "all" (no taskset: every core, as a user runs
#                                   `./bastion demo`); one median row per pinning
#   ROOT=/path/to/checkout          the launcher to measure (default: this checkout)
#   BASE=/path/to/old/checkout      also measure this launcher (A/B), alternated run by run; point it
#                                   at a copy holding the old `bastion` + target/bastion.jar
#   PORT=18600 WARMUP=1             ports PORT and PORT+1; WARMUP=0 skips run 0
#   NICE=-10                        run the launcher under `nice -n NICE` (negative needs root): on a
#                                   shared machine, lets the measured runs take their cores from the
#                                   other work, closer to a quiet machine's wall time
#
# On a shared machine wall time reflects the load (printed before and after); the CPU seconds are
# the figure to compare. On one pinned core, wall ≈ gateway CPU + child CPU; on two cores the JIT
# threads and the child run beside the gateway's main thread.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${ROOT:-$here}"
base="${BASE:-}"
n="${1:-5}"
port="${PORT:-18600}"
read -r -a pins <<<"${PINS:-0 all}"
warmup="${WARMUP:-1}"
work="$(mktemp -d "${TMPDIR:-/tmp}/bastion-startup.XXXXXX")"
tick="$(getconf CLK_TCK)"
gw=""
trap '[ -n "$gw" ] && kill "$gw" 2>/dev/null; rm -rf "$work"' EXIT

# CPU seconds (user + system) of a process, from /proc/<pid>/stat (fields 14 and 15).
cpu_of() { awk -v t="$tick" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null || echo 0; }

run() { # $1 = launcher root, $2 = pinning, $3 = seconds to wait for ready; prints "wall gateway-cpu child-cpu"
  rm -rf "$work/demo" "$work/demo.log" # the old log must be gone before the launch, or its ready line counts at once
  local log="$work/demo.log" t0 t1 child pin=()
  [ "$2" = all ] || pin=(taskset -c "$2")
  [ -z "${NICE:-}" ] || pin=(nice -n "$NICE" "${pin[@]}")
  t0=$(date +%s%N)
  "${pin[@]}" "$1/bastion" demo --dir "$work/demo" --port "$port" --admin-port "$((port + 1))" >"$log" 2>&1 &
  gw=$!
  until grep -q "Bastion demo is running" "$log" 2>/dev/null; do
    if ! kill -0 "$gw" 2>/dev/null; then echo "bastion exited before ready; log:" >&2; cat "$log" >&2; exit 1; fi
    if [ $(($(date +%s%N) - t0)) -gt $(($3 * 1000000000)) ]; then echo "not ready after $3 s; log:" >&2; cat "$log" >&2; exit 1; fi
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

load() { cut -d' ' -f1-3 /proc/loadavg; }

roots=("$root")
[ -n "$base" ] && roots=("$base" "$root")
if [ "$warmup" = 1 ]; then
  for r in "${roots[@]}"; do
    r0="$(run "$r" all 900)" || exit 1 # may include the launcher's training run
    echo "run 0 of $r (unmeasured; the launcher trains its caches first if they are missing): $r0" >&2
  done
fi
echo "load average before: $(load)"
results=()
for i in $(seq 1 "$n"); do
  for p in "${pins[@]}"; do
    for r in "${roots[@]}"; do
      res="$(run "$r" "$p" 300)" || exit 1
      label="$([ "$r" = "$base" ] && echo base || echo new)"
      [ -n "$base" ] || label=""
      results+=("$label/$p $res")
      read -r w g c <<<"$res"
      printf 'run %d %-10s wall %s s  gateway CPU %s s  child CPU %s s  total CPU %s s\n' "$i" "${label:+$label }cpus=$p" "$w" "$g" "$c" \
        "$(awk -v a="$g" -v b="$c" 'BEGIN { printf "%.2f", a + b }')"
    done
  done
done
echo "load average after: $(load)"
printf '%s\n' "${results[@]}" | awk '
  { k = $1; n[k]++; i = n[k]; w[k, i] = $2; g[k, i] = $3; c[k, i] = $4; t[k, i] = $3 + $4; if (!(k in seen)) { seen[k] = 1; keys[++nk] = k } }
  function med(a, k, m,   i, j, x, s) { for (i = 1; i <= m; i++) s[i] = a[k, i]
    for (i = 2; i <= m; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
    return m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2 }
  END { for (q = 1; q <= nk; q++) { k = keys[q]; split(k, kp, "/"); m = n[k]
          printf "median of %d, %scpus=%s: wall %.2f s  gateway CPU %.2f s  child CPU %.2f s  total CPU %.2f s\n",
            m, kp[1] == "" ? "" : kp[1] " ", kp[2], med(w, k, m), med(g, k, m), med(c, k, m), med(t, k, m) } }'
