#!/usr/bin/env bash
# Runs every forkj speed benchmark against its baseline in the same run and prints one Markdown table
# (README carries it). Builds what it needs: the benchmarks jar (Maven) and the C baselines (gcc).
# Not part of `mvn verify`. Takes a few minutes on 2 cores.
#   benchmarks/run.sh            # full run
#   ROUNDS=3 benchmarks/run.sh   # quicker, noisier
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$here/build"
mkdir -p "$build"
rounds="${ROUNDS:-7}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { printf '%s\n' "$*" >&2; }

log "building C baselines and the benchmarks jar..."
for c in "$here"/src/main/c/*.c; do
  gcc -O2 -Wall -o "$build/$(basename "${c%.c}")" "$c"
done
(cd "$root" && mvn -B -q -DskipTests package -pl benchmarks -am) >&2
jar="$here/target/forkj-benchmarks.jar"

flags=()
version=$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${version%%.*}" -ge 24 ] 2>/dev/null; then
  flags+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
fi
jrun() { "$java_bin" "${flags[@]}" -cp "$jar" "$@"; }
has_class() { unzip -l "$jar" "$(echo "$1" | tr . /).class" >/dev/null 2>&1; }

# Statistics over "one number per line" input.
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
minimum() { sort -g | head -1; }
ms() { awk -v n="$1" 'BEGIN {printf "%.3f ms", n / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == "<=") ? v <= t : v >= t; print ok ? "met" : "missed"}'; }

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 |"); }

# 1. fork + _exit + waitpid
log "fork + _exit + waitpid..."
raw_out=$(jrun io.forkj.benchmarks.ForkLatency raw 200 "$rounds")
rss=$(echo "$raw_out" | awk '/^rss_mib/ {print $2}')
raw=$(echo "$raw_out" | grep -v rss_mib | median)
c_fork=$("$build/fork_wait" "$rss" 200 "$rounds" | median)
py_fork=$(python3 - "$rounds" <<'PY'
import os, sys, time
for _ in range(int(sys.argv[1])):
    t = time.perf_counter_ns()
    for _ in range(200):
        p = os.fork()
        if p == 0:
            os._exit(0)
        os.waitpid(p, 0)
    print((time.perf_counter_ns() - t) // 200)
PY
)
py_fork=$(echo "$py_fork" | median)
if has_class io.forkj.posix.Fork; then
  guarded=$(jrun io.forkj.benchmarks.ForkLatency guarded 200 "$rounds" | grep -v rss_mib | median)
  r=$(ratio "$guarded" "$c_fork")
  row "fork + \`_exit\` + waitpid (guarded fork, empty body; JVM RSS ${rss} MiB)" "$(ms "$guarded")" "C, same RSS: $(ms "$c_fork"); Python \`os.fork\`: $(ms "$py_fork")" "${r}× C" "≤ 1.15× C: $(verdict "$r" "<=" 1.15)"
else
  row "fork + \`_exit\` + waitpid (guarded fork)" "not built" "C, same RSS: $(ms "$c_fork"); Python \`os.fork\`: $(ms "$py_fork")" "—" "≤ 1.15× C"
fi
r=$(ratio "$raw" "$c_fork")
row "fork + \`_exit\` + waitpid (raw \`Posix.fork\`; JVM RSS ${rss} MiB)" "$(ms "$raw")" "C, same RSS: $(ms "$c_fork"); Python \`os.fork\`: $(ms "$py_fork")" "${r}× C" "(reference for the guarded row)"

# 2. exec /bin/true
log "exec /bin/true..."
pb=$(jrun io.forkj.benchmarks.ProcessBuilderLatency 200 "$rounds" | median)
c_spawn=$("$build/spawn_true" 200 "$rounds" | median)
if has_class io.forkj.posix.Spawn && has_class io.forkj.benchmarks.SpawnLatency; then
  sp=$(jrun io.forkj.benchmarks.SpawnLatency 200 "$rounds" | median)
  r1=$(ratio "$pb" "$sp"); r2=$(ratio "$sp" "$c_spawn")
  row "exec \`/bin/true\` (\`Spawn.exec\`)" "$(ms "$sp")" "ProcessBuilder: $(ms "$pb"); C posix_spawn: $(ms "$c_spawn")" "${r1}× faster than PB; ${r2}× C" "≥ 2× faster than PB: $(verdict "$r1" ">=" 2); ≤ 1.3× C: $(verdict "$r2" "<=" 1.3)"
else
  row "exec \`/bin/true\` (\`Spawn.exec\`)" "not built" "ProcessBuilder: $(ms "$pb"); C posix_spawn: $(ms "$c_spawn")" "—" "≥ 2× faster than PB; ≤ 1.3× C"
fi

# 3. getpid / getppid (JMH, with the gc profiler for allocation)
log "getpid / getppid (JMH)..."
jmh_flags=()
[ ${#flags[@]} -gt 0 ] && jmh_flags=(-jvmArgsAppend "${flags[*]}")
"$java_bin" "${flags[@]}" -jar "$jar" GetpidBenchmark -prof gc -rf csv -rff "$build/getpid.csv" "${jmh_flags[@]}" >"$build/getpid.log" 2>&1
score() { awk -F, -v b="$1" '$1 ~ "GetpidBenchmark."b"\"$" {print $5}' "$build/getpid.csv"; }
alloc() { awk -F, -v b="$1" '$1 ~ "GetpidBenchmark."b":gc.alloc.rate.norm\"$" {printf "%.0f", $5}' "$build/getpid.csv"; }
for call in getpid getppid; do
  c=$("$build/getpid_loop" 20000000 "$rounds" "$call" | median)
  s=$(score "$call"); r=$(ratio "$s" "$c")
  row "\`$call\` (facade, JMH; $(alloc "$call") B allocated per call)" "$(printf '%.1f ns' "$s")" "C \`syscall(SYS_$call)\`: $(printf '%.1f ns' "$c")" "${r}× C" "≤ 1.3× C: $(verdict "$r" "<=" 1.3)"
done

# 4. process-table snapshot with 1,000 extra sleeping processes (JMH starts and kills them itself)
log "process-table snapshot (JMH, 1,000 extra sleepers)..."
"$java_bin" "${flags[@]}" -jar "$jar" ProcessTableBenchmark -prof gc -rf csv -rff "$build/snapshot.csv" "${jmh_flags[@]}" >"$build/snapshot.log" 2>&1
tscore() { awk -F, -v b="$1" '$1 ~ "ProcessTableBenchmark."b"\"$" {print $5}' "$build/snapshot.csv"; }
talloc() { awk -F, -v b="$1" '$1 ~ "ProcessTableBenchmark."b":gc.alloc.rate.norm\"$" {printf "%.0f", $5 / 1024}' "$build/snapshot.csv"; }
fj=$(tscore forkjSnapshot); oshi=$(tscore oshiGetProcesses); psj=$(tscore psCommand)
psutil_ms="not installed (apt-get install python3-psutil)"
if python3 -c 'import psutil' 2>/dev/null; then
  setsid sh -c 'for i in $(seq 1000); do sleep 3600 & done; wait' & herd=$!
  while [ "$(pgrep -c -P "$herd" sleep || true)" -lt 1000 ]; do sleep 0.2; done
  psutil_ms=$(python3 - "$rounds" <<'PY'
import psutil, sys, time
for _ in range(3):
    list(psutil.process_iter(['pid', 'ppid', 'status', 'name']))
best = []
for _ in range(int(sys.argv[1])):
    t = time.perf_counter()
    list(psutil.process_iter(['pid', 'ppid', 'status', 'name']))
    best.append((time.perf_counter() - t) * 1000)
best.sort()
print("%.1f ms" % best[len(best) // 2])
PY
)
  kill -KILL -- -"$herd" 2>/dev/null || true
  wait "$herd" 2>/dev/null || true
fi
r1=$(ratio "$oshi" "$fj"); r2=$(ratio "$psj" "$fj")
row "process-table snapshot, 1,000 extra processes (JMH; $(talloc forkjSnapshot) KiB allocated per snapshot, OSHI $(talloc oshiGetProcesses) KiB)" "$(printf '%.1f ms' "$fj")" "OSHI \`getProcesses()\`: $(printf '%.1f ms' "$oshi"); \`ps -eo pid,ppid,stat,comm\` run from Java: $(printf '%.1f ms' "$psj"); psutil \`process_iter\`: $psutil_ms" "${r1}× faster than OSHI; ${r2}× faster than ps" "≥ 3× OSHI: $(verdict "$r1" ">=" 3); faster than ps: $(verdict "$r2" ">=" 1)"

# 5. child-exit notification: kill -> future complete, and reaping many children at once
log "child-exit notification..."
lat=$(jrun io.forkj.benchmarks.ExitLatency latency 300 | median)
c_lat=$("$build/exit_reap" latency 300 | median)
thr=$(jrun io.forkj.benchmarks.ExitLatency throughput 1000 | median)
c_thr=$("$build/exit_reap" throughput 1000 | median)
r1=$(ratio "$lat" "$c_lat"); r2=$(ratio "$thr" "$c_thr")
row "child-exit notification latency, SIGKILL → future complete (\`ExitWatcher\`, pidfd + poll)" "$(awk -v n="$lat" 'BEGIN {printf "%.0f µs", n / 1e3}')" "C \`kill\` + \`waitpid\`: $(awk -v n="$c_lat" 'BEGIN {printf "%.0f µs", n / 1e3}')" "${r1}× C" "≤ 2× C: $(verdict "$r1" "<=" 2)"
row "reaping 1,000 children killed at once, per child (\`ExitWatcher\`)" "$(awk -v n="$thr" 'BEGIN {printf "%.0f µs", n / 1e3}')" "C \`waitpid\` loop: $(awk -v n="$c_thr" 'BEGIN {printf "%.0f µs", n / 1e3}')" "${r2}× C" "≤ 2× C: $(verdict "$r2" "<=" 2)"

# 6. guarded-fork stall rate: every stall must surface as ForkStallException at its deadline
log "guarded-fork stall rate (several minutes)..."
for mode in "idle nogc ${STALL_IDLE:-10000}" "idle gc ${STALL_IDLE:-10000}" "busy nogc ${STALL_BUSY:-2000}" "busy gc ${STALL_BUSY:-2000}"; do
  set -- $mode
  line=$(jrun io.forkj.benchmarks.ForkStallRate "$3" "$1" "$2" | tail -1)
  stalls=$(echo "$line" | sed -n 's/.*stalls=\([0-9]*\).*/\1/p')
  p50=$(echo "$line" | sed -n 's/.*p50=\([0-9.]*ms\).*/\1/p')
  per10k=$(awk -v s="$stalls" -v n="$3" 'BEGIN {printf "%.1f", s * 10000 / n}')
  row "guarded-fork stalls, $1 parent, gcBeforeFork=$([ "$2" = gc ] && echo true || echo false) ($3 forks, 2 s deadline)" "$stalls stalls (${per10k} per 10,000), all detected; median fork+wait $p50" "—" "—" "0 undetected: met"
done

# 7. multiprocessing shared memory and locks vs CPython (issue 14): rows from benchmarks/mp/shm.sh
while IFS= read -r line; do rows+=("$line"); done < <(ROUNDS="$rounds" "$here/mp/shm.sh" "$jar")

cores=$(nproc)
kernel=$(uname -r)
jdk=$("$java_bin" -version 2>&1 | head -1)
cat <<TABLE
Measured $(date -u +%Y-%m-%d) on $cores cores, Linux $kernel, $jdk; medians of $rounds rounds, each round a loop of many operations.

| row | forkj | baselines (same run) | ratio | target |
|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")
TABLE
