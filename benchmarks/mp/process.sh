#!/usr/bin/env bash
# MpProcess start + join of an empty target per start method, against CPython's multiprocessing fork /
# forkserver / spawn measured in the same run, interleaved (forkj, CPython, forkj, CPython, ...). Prints Markdown
# table rows (| row | forkj | baselines | ratio | target |) on stdout; run.sh adds them to its table.
#   benchmarks/mp/process.sh JAR [ROUNDS]
# Each round: one fresh JVM / interpreter per method doing WARMUP untimed and COUNT timed start+join; the row
# gives the median over every timed process and, in brackets, the 10th-90th percentile spread.
set -euo pipefail
jar="$1"
rounds="${2:-5}"
. "$(dirname "$0")/../jvm-flags.sh"
jrun() { "$java_bin" "${flags[@]}" -cp "$jar" "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# spawn and forkserver children re-import __main__, so the CPython side must be a file, not stdin.
cat >"$tmp/mp_process.py" <<'PY'
import multiprocessing as mp, sys, time
def empty():
    pass
if __name__ == "__main__":
    method, count, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ctx = mp.get_context(method)
    for i in range(warmup + count):
        p = ctx.Process(target=empty)
        t = time.perf_counter_ns()
        p.start()
        p.join()
        ns = time.perf_counter_ns() - t
        assert p.exitcode == 0
        if i >= warmup:
            print(ns)
PY
py() { python3 "$tmp/mp_process.py" "$1" "$2" "$3"; }

# The SPAWN children of the shaded jar use a class-data-sharing archive made once in the background; make it
# before measuring, as a user's second run would find it.
jrun io.forkj.benchmarks.MpProcessLatency SPAWN 1 1 >/dev/null
for _ in $(seq 60); do
  ls "${XDG_CACHE_HOME:-$HOME/.cache}"/forkj/forkj-child-*.jsa >/dev/null 2>&1 && break
  sleep 1
done

for r in $(seq "$rounds"); do
  echo "round $r/$rounds..." >&2
  jrun io.forkj.benchmarks.MpProcessLatency FORK 40 5 >>"$tmp/FORK" 2>>"$tmp/FORK.stalls"
  py fork 40 5 >>"$tmp/fork"
  jrun io.forkj.benchmarks.MpProcessLatency SPAWN 8 2 >>"$tmp/SPAWN"
  py spawn 8 2 >>"$tmp/spawn"
  jrun io.forkj.benchmarks.MpProcessLatency STANDBY 8 2 >>"$tmp/STANDBY"
  py forkserver 8 2 >>"$tmp/forkserver"
done

pct() { sort -g "$1" | awk -v p="$2" '{a[NR]=$1} END {i=int((NR-1)*p+0.5)+1; printf "%.1f", a[i]/1e6}'; }
stat() { echo "$(pct "$1" 0.5) ms ($(pct "$1" 0.1)–$(pct "$1" 0.9))"; }
ratio() { awk -v a="$(pct "$1" 0.5)" -v b="$(pct "$2" 0.5)" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t) ? "met" : "missed"}'; }

rf=$(ratio "$tmp/FORK" "$tmp/fork")
stalls=$(grep -c '^stall' "$tmp/FORK.stalls" || true)
echo "| \`MpProcess\` start + join, empty target, FORK (n=$(wc -l <"$tmp/FORK"); $stalls stalled, killed at a 5 s deadline, not timed) | $(stat "$tmp/FORK") | CPython fork: $(stat "$tmp/fork") | ${rf}× CPython fork | ≤ 2× CPython fork: $(verdict "$rf" 2) |"
rs=$(ratio "$tmp/SPAWN" "$tmp/spawn")
echo "| \`MpProcess\` start + join, empty target, SPAWN (n=$(wc -l <"$tmp/SPAWN")) | $(stat "$tmp/SPAWN") | CPython spawn: $(stat "$tmp/spawn") | ${rs}× CPython spawn | ≤ 1× CPython spawn: $(verdict "$rs" 1) |"
sb=$(pct "$tmp/STANDBY" 0.5)
rsb=$(ratio "$tmp/STANDBY" "$tmp/forkserver")
echo "| \`MpProcess\` start + join, empty target, STANDBY, idle JVM ready (n=$(wc -l <"$tmp/STANDBY")) | $(stat "$tmp/STANDBY") | CPython forkserver: $(stat "$tmp/forkserver") | ${rsb}× CPython forkserver | ≤ 2 ms: $(verdict "$sb" 2) |"
