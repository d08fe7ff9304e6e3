#!/usr/bin/env bash
# Runs every forkj speed benchmark against its baseline in the same run and prints one Markdown table
# (README carries it). Builds what it needs: the benchmarks jar (Maven) and the C baselines (gcc).
# Not part of `mvn verify`. Takes a few minutes on 2 cores.
#   benchmarks/run.sh            # full run
#   ROUNDS=3 benchmarks/run.sh   # quicker, noisier
#   SECTIONS="fork exit" benchmarks/run.sh   # only these sections (fork spawn getpid scan cli exit stalls mp;
#                                            # snapshot is another name for scan)
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
  gcc -O2 -Wall -pthread -o "$build/$(basename "${c%.c}")" "$c"
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

sections=" ${SECTIONS:-fork spawn getpid scan cli exit stalls mp} "
want() { [[ "$sections" == *" $1 "* ]]; }

rows=()
row() { rows+=("| $1 | $2 | $3 | $4 | $5 |"); }

# Figures that hold from run to run: forkj and its baselines run in turn, round by round (A B C, A B C, ...),
# so a machine that slows down or speeds up moves both sides of each pair. interleave ROUNDS CMD... runs each
# command (a shell string) once per round and takes the median of what it printed as that round's value;
# V[k] then holds command k's values, one per line.
declare -a V
interleave() {
  local n=$1; shift
  local k i value
  for ((k = 0; k < $#; k++)); do V[k]=""; done
  for ((i = 0; i < n; i++)); do
    k=0
    for cmd in "$@"; do
      value=$(eval "$cmd" | grep -E '^[0-9.]+$' | median)
      V[k]+="$value"$'\n'
      k=$((k + 1))
    done
  done
}
# Ratio of two value lists pair by pair (a/b), one per line.
pair_ratios() { paste <(printf '%s' "$1") <(printf '%s' "$2") | awk 'NF == 2 {printf "%.4f\n", $1 / $2}'; }
# "median (min–max)" of a ratio list.
spread() { sort -g | awk 'NF {a[++n] = $1} END {m = (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2; printf "%.2f× (%.2f–%.2f over %d pairs)", m, a[1], a[n], n}'; }
# A verdict on the median ratio, unless the pairs' spread straddles the target: then no verdict, said so.
judged() {
  local list=$1 op=$2 target=$3
  printf '%s' "$list" | sort -g | awk -v op="$op" -v t="$target" 'NF {a[++n] = $1} END {
    m = (n % 2) ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
    ok = (op == "<=") ? m <= t : m >= t; lo = (op == "<=") ? a[1] <= t : a[1] >= t; hi = (op == "<=") ? a[n] <= t : a[n] >= t
    if (lo == hi) print (ok ? "met" : "missed"); else printf "no verdict: the pairs spread %.2f–%.2f across %s", a[1], a[n], t }'
}

# 1. fork + _exit + waitpid, interleaved with C holding as much anonymous memory
if want fork; then
log "fork + _exit + waitpid..."
# The C baseline touches as much anonymous memory as the JVM had at the end of the same timing (what fork copies;
# it grows as the JVM forks) and makes as many mappings: once for a young JVM, once for the settled row's.
sized() { printf '%s\n' "$1" | awk -v k="$2" '$1 == k {print $2}'; }
probe=$(jrun io.forkj.benchmarks.ForkLatency "$(has_class io.forkj.posix.Fork && echo guarded || echo raw)" 200 1)
rss=$(sized "$probe" anon_mib); maps=$(sized "$probe" maps)
py_fork_cmd='python3 - 1 <<'"'"'PY'"'"'
import os, sys, time
for _ in range(int(sys.argv[1])):
    t = time.perf_counter_ns()
    for _ in range(200):
        p = os.fork()
        if p == 0:
            os._exit(0)
        os.waitpid(p, 0)
    print((time.perf_counter_ns() - t) // 200)
PY'
if has_class io.forkj.posix.Fork; then
  # The settled row forks 2,000 times before timing: a young JVM's JIT still compiles during the first rows,
  # and its threads' writes then fault on pages the child shares (README, eighth session).
  probe=$(jrun io.forkj.benchmarks.ForkLatency guarded 200 1 2000)
  rss_settled=$(sized "$probe" anon_mib); maps_settled=$(sized "$probe" maps)
  interleave "$rounds" "jrun io.forkj.benchmarks.ForkLatency guarded 200 1" "jrun io.forkj.benchmarks.ForkLatency raw 200 1" \
    "$build/fork_wait $rss 200 1 $maps" "$py_fork_cmd" "jrun io.forkj.benchmarks.ForkLatency guarded 200 1 2000" \
    "$build/fork_wait $rss_settled 200 1 $maps_settled"
  guarded=${V[0]}; raw=${V[1]}; c_fork=${V[2]}; py_fork=${V[3]}; settled=${V[4]}; c_settled=${V[5]}
  rg=$(pair_ratios "$guarded" "$c_fork")
  row "fork + \`_exit\` + waitpid (guarded fork, empty body; JVM anonymous RSS ${rss} MiB, ${maps} mappings)" "$(ms "$(printf '%s' "$guarded" | median)")" "C, same anonymous RSS and ${maps} mappings: $(ms "$(printf '%s' "$c_fork" | median)"); Python \`os.fork\`: $(ms "$(printf '%s' "$py_fork" | median)")" "$(printf '%s' "$rg" | spread) C" "≤ 1.15× C: $(judged "$rg" "<=" 1.15)"
else
  interleave "$rounds" "jrun io.forkj.benchmarks.ForkLatency raw 200 1" "$build/fork_wait $rss 200 1 $maps" "$py_fork_cmd"
  raw=${V[0]}; c_fork=${V[1]}; py_fork=${V[2]}
fi
if has_class io.forkj.posix.Fork; then
  rs=$(pair_ratios "$settled" "$c_settled")
  row "the guarded fork after 2,000 warm-up forks (a settled JIT; anonymous RSS ${rss_settled} MiB, ${maps_settled} mappings)" "$(ms "$(printf '%s' "$settled" | median)")" "C, same anonymous RSS and mappings, same pairs: $(ms "$(printf '%s' "$c_settled" | median)")" "$(printf '%s' "$rs" | spread) C" "≤ 1.15× C: $(judged "$rs" "<=" 1.15)"
fi
rr=$(pair_ratios "$raw" "$c_fork")
row "fork + \`_exit\` + waitpid (raw \`Posix.fork\`; C with the probe JVM's ${rss} MiB of anonymous RSS, ${maps} mappings)" "$(ms "$(printf '%s' "$raw" | median)")" "C, same anonymous RSS and ${maps} mappings: $(ms "$(printf '%s' "$c_fork" | median)")" "$(printf '%s' "$rr" | spread) C" "(reference for the guarded row)"
if has_class io.forkj.posix.Fork; then
  # Issue 16 item 2: a parent with busy threads. The busy row's baseline is the idle guarded fork of the same
  # round; the 8-thread row's is C with 8 threads forking at once (wall time per fork: 1 / forks per second).
  log "fork beside a busy allocating thread, and from 8 threads at once..."
  # The same two with the heap in transparent huge pages (docs/DESIGN.md: what a user can set), which THP's
  # "madvise" mode gives only a JVM started with -XX:+UseTransparentHugePages.
  thp=-XX:+UseTransparentHugePages
  # A busy JVM is a bigger one: G1 grows its young generation under a fast allocator (over 1 GiB of anonymous
  # memory against ~90 MiB idle, with the default heap limit of a quarter of RAM), and fork copies page tables,
  # and the child's exit frees them, in proportion. So C at the busy JVM's size, and the two rows again with the
  # heap bounded, the setting that keeps a forking JVM small.
  probe=$(jrun io.forkj.benchmarks.ForkLatency guarded-busy 100 1)
  rss_busy=$(sized "$probe" anon_mib); maps_busy=$(sized "$probe" maps)
  bounded=-Xmx256m
  interleave "$rounds" "jrun io.forkj.benchmarks.ForkLatency guarded-busy 100 1" "jrun io.forkj.benchmarks.ForkLatency guarded 100 1" \
    "jrun io.forkj.benchmarks.ForkLatency guarded8 200 1" "$build/fork_wait $rss 200 1 $maps 8" \
    "jrun $thp io.forkj.benchmarks.ForkLatency guarded-busy 100 1" "jrun $thp io.forkj.benchmarks.ForkLatency guarded 100 1" \
    "$build/fork_wait $rss_busy 100 1 $maps_busy" \
    "jrun $bounded io.forkj.benchmarks.ForkLatency guarded-busy 100 1" "jrun $bounded io.forkj.benchmarks.ForkLatency guarded 100 1"
  busy=${V[0]}; idle=${V[1]}; g8=${V[2]}; c8=${V[3]}; busy_thp=${V[4]}; idle_thp=${V[5]}; c_busy=${V[6]}
  busy_bounded=${V[7]}; idle_bounded=${V[8]}
  rb=$(pair_ratios "$busy" "$idle")
  row "guarded fork + wait beside a busy allocating thread" "$(ms "$(printf '%s' "$busy" | median)")" "the same, idle parent: $(ms "$(printf '%s' "$idle" | median)")" "$(printf '%s' "$rb" | spread) idle" "≤ 2× idle: $(judged "$rb" "<=" 2)"
  rc=$(pair_ratios "$busy" "$c_busy")
  row "the busy row against C as big as the busy JVM (anonymous RSS ${rss_busy} MiB, ${maps_busy} mappings; idle: ${rss} MiB)" "$(ms "$(printf '%s' "$busy" | median)")" "C, same anonymous RSS and mappings, same pairs: $(ms "$(printf '%s' "$c_busy" | median)")" "$(printf '%s' "$rc" | spread) C" "(reported; no target)"
  rh=$(pair_ratios "$busy_bounded" "$idle_bounded")
  row "the busy and idle rows, JVM started with \`$bounded\`" "$(ms "$(printf '%s' "$busy_bounded" | median)")" "the same, idle parent: $(ms "$(printf '%s' "$idle_bounded" | median)"); the default JVM's busy row above, same pairs: $(printf '%s' "$(pair_ratios "$busy_bounded" "$busy")" | spread)" "$(printf '%s' "$rh" | spread) idle" "≤ 2× idle: $(judged "$rh" "<=" 2)"
  rt=$(pair_ratios "$busy_thp" "$idle_thp")
  row "the busy and idle rows, JVM started with \`$thp\`" "$(ms "$(printf '%s' "$busy_thp" | median)")" "the same, idle parent: $(ms "$(printf '%s' "$idle_thp" | median)"); the default JVM's busy row above, same pairs: $(printf '%s' "$(pair_ratios "$busy_thp" "$busy")" | spread)" "$(printf '%s' "$rt" | spread) idle" "≤ 2× idle: $(judged "$rt" "<=" 2)"
  r8=$(pair_ratios "$g8" "$c8")
  row "guarded fork + wait from 8 threads at once (wall time per fork)" "$(ms "$(printf '%s' "$g8" | median)") ($(printf '%s' "$g8" | median | awk '{printf "%.0f", 1e9 / $1}') forks/s)" "C, 8 threads, same anonymous RSS and mappings: $(ms "$(printf '%s' "$c8" | median)") ($(printf '%s' "$c8" | median | awk '{printf "%.0f", 1e9 / $1}') forks/s)" "$(printf '%s' "$r8" | spread) C" "(reported; no target)"
fi
fi

# 2. exec /bin/true, interleaved with ProcessBuilder and C posix_spawn
if want spawn; then
log "exec /bin/true..."
interleave "$rounds" "jrun io.forkj.benchmarks.SpawnLatency 200 1" "jrun io.forkj.benchmarks.ProcessBuilderLatency 200 1" \
  "$build/spawn_true 200 1"
sp=${V[0]}; pb=${V[1]}; c_spawn=${V[2]}
r1=$(pair_ratios "$pb" "$sp"); r2=$(pair_ratios "$sp" "$c_spawn")
row "exec \`/bin/true\` (\`Spawn.exec\`)" "$(ms "$(printf '%s' "$sp" | median)")" "ProcessBuilder: $(ms "$(printf '%s' "$pb" | median)"); C posix_spawn: $(ms "$(printf '%s' "$c_spawn" | median)")" "$(printf '%s' "$r1" | spread) faster than PB; $(printf '%s' "$r2" | spread) C" "≥ 2× faster than PB: $(judged "$r1" ">=" 2); ≤ 1.3× C: $(judged "$r2" "<=" 1.3)"
fi

# 3. getpid / getppid (JMH, with the gc profiler for allocation)
if want getpid; then
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
fi

# 4. process-table snapshot with 1,000 extra sleeping processes, interleaved in one herd: against the limit (a C
# program reading the same files), against OSHI, against ps run from Java and against psutil.
if want scan || want snapshot; then
log "process-table snapshot vs a C scanner, OSHI, ps and psutil (1,000 extra sleepers)..."
setsid sh -c 'for i in $(seq 1000); do sleep 3600 & done; wait' & herd=$!
while [ "$(pgrep -c -P "$herd" sleep || true)" -lt 1000 ]; do sleep 0.2; done
cmds=("jrun io.forkj.benchmarks.SnapshotLoop 50 1 native" "$build/proc_scan 50 1" \
  "jrun io.forkj.benchmarks.SnapshotLoop 50 1 java" "jrun io.forkj.benchmarks.SnapshotLoop 10 1 oshi" \
  "jrun io.forkj.benchmarks.SnapshotLoop 10 1 ps")
has_psutil=no
for py in python3 /usr/bin/python3; do  # a pyenv python3 first on PATH may lack the distribution's psutil
  if "$py" -c 'import psutil' 2>/dev/null; then
    has_psutil=yes
    cmds+=("$py $here/src/main/python/psutil_scan.py 10 1")
    break
  fi
done
interleave "$rounds" "${cmds[@]}"
# Bytes allocated per snapshot, from one more run of each Java side (stderr; not timed).
allocated() { jrun io.forkj.benchmarks.SnapshotLoop 10 1 "$1" 2>&1 >/dev/null | sed -n 's/^allocated per snapshot: \([0-9]*\) bytes$/\1/p' | awk '{printf "%.0f KiB", $1 / 1024}'; }
fj_alloc=$(allocated native); oshi_alloc=$(allocated oshi)
kill -KILL -- -"$herd" 2>/dev/null || true
wait "$herd" 2>/dev/null || true
snap=${V[0]}; c_scan=${V[1]}; snap_java=${V[2]}; oshi=${V[3]}; psj=${V[4]}
r=$(pair_ratios "$snap" "$c_scan"); rj=$(pair_ratios "$snap_java" "$c_scan")
row "process-table snapshot vs the limit, 1,000 extra processes (\`ProcessTable.snapshot()\` in a loop; native binding loaded: \`openat\`/\`read\`)" "$(ms "$(printf '%s' "$snap" | median)")" "C reading the same files (\`stat\`; \`status\` unless a kernel thread): $(ms "$(printf '%s' "$c_scan" | median)")" "$(printf '%s' "$r" | spread) C" "≤ 1.5× C: $(judged "$r" "<=" 1.5)"
row "the same before the native binding is loaded (\`java.io\` reader, as \`forkj ps\` reads)" "$(ms "$(printf '%s' "$snap_java" | median)")" "C, same pairs: $(ms "$(printf '%s' "$c_scan" | median)")" "$(printf '%s' "$rj" | spread) C" "(reported; no target)"
r_oshi=$(pair_ratios "$oshi" "$snap"); r_ps=$(pair_ratios "$psj" "$snap")
base="OSHI \`getProcesses()\`: $(ms "$(printf '%s' "$oshi" | median)"); \`ps -eo pid,ppid,stat,comm\` run from Java: $(ms "$(printf '%s' "$psj" | median)")"
ratios="$(printf '%s' "$r_oshi" | spread) faster than OSHI; $(printf '%s' "$r_ps" | spread) faster than ps"
targets="≥ 3× faster than OSHI: $(judged "$r_oshi" ">=" 3); faster than ps: $(judged "$r_ps" ">=" 1)"
if [ "$has_psutil" = yes ]; then
  psutil=${V[5]}; r_psutil=$(pair_ratios "$psutil" "$snap")
  base+="; psutil \`process_iter\`: $(ms "$(printf '%s' "$psutil" | median)")"
  ratios+="; $(printf '%s' "$r_psutil" | spread) faster than psutil"
  targets+="; faster than psutil: $(judged "$r_psutil" ">=" 1)"
else
  base+="; psutil: not installed (apt-get install python3-psutil)"
  targets+="; faster than psutil: not measured"
fi
row "process-table snapshot vs other tools, same pairs ($fj_alloc allocated per snapshot, OSHI $oshi_alloc)" "$(ms "$(printf '%s' "$snap" | median)")" "$base" "$ratios" "$targets"
fi

# 4c. the command line as a user runs it: whole commands, interleaved with ps
if want cli; then
log "forkj ps --all and forkj --version as whole commands..."
"$root/forkj" --version >/dev/null 2>&1   # builds the launcher's class-data archive outside the timing
wall() { local t=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( $(date +%s%N) - t )); }
interleave "$rounds" "wall $root/forkj ps --all" "wall ps -e -o pid,ppid,stat,comm" "wall $root/forkj --version" \
  "wall $java_bin -XX:TieredStopAtLevel=1 -Xshare:auto -cp $jar io.forkj.benchmarks.HelloJvm"
fps=${V[0]}; pps=${V[1]}; fver=${V[2]}; hello=${V[3]}
r=$(pair_ratios "$fps" "$pps"); rh=$(pair_ratios "$fps" "$hello")
row "\`forkj ps --all\`, whole command (launcher with class-data archive)" "$(ms "$(printf '%s' "$fps" | median)")" "\`ps -e -o pid,ppid,stat,comm\`: $(ms "$(printf '%s' "$pps" | median)"); \`forkj --version\`: $(ms "$(printf '%s' "$fver" | median)"); a hello-world JVM: $(ms "$(printf '%s' "$hello" | median)")" "$(printf '%s' "$r" | spread) ps; $(printf '%s' "$rh" | spread) hello-world JVM" "≤ 150 ms: $(judged "$(printf '%s' "$fps" | awk '{printf "%.4f\n", $1 / 1e6}')" "<=" 150)"
fi

# 5. child-exit notification: kill -> future complete, and reaping many children at once, interleaved with C
if want exit; then
log "child-exit notification..."
interleave "$rounds" "jrun io.forkj.benchmarks.ExitLatency latency 100" "$build/exit_reap latency 100" \
  "jrun io.forkj.benchmarks.ExitLatency waitpid 100" \
  "jrun io.forkj.benchmarks.ExitLatency throughput 1000" "$build/exit_reap throughput 1000"
lat=${V[0]}; c_lat=${V[1]}; floor=${V[2]}; thr=${V[3]}; c_thr=${V[4]}
r1=$(pair_ratios "$lat" "$c_lat"); r2=$(pair_ratios "$thr" "$c_thr")
rf=$(pair_ratios "$floor" "$c_lat"); rw=$(pair_ratios "$lat" "$floor")
us() { awk -v n="$1" 'BEGIN {printf "%.0f µs", n / 1e3}'; }
row "child-exit notification latency, SIGKILL → future complete (\`ExitWatcher.watch(Child)\`, pidfd + epoll; a waiting thread polls its pidfd)" "$(us "$(printf '%s' "$lat" | median)")" "C \`kill\` + \`waitpid\`: $(us "$(printf '%s' "$c_lat" | median)")" "$(printf '%s' "$r1" | spread) C" "≤ 1.5× C: $(judged "$r1" "<=" 1.5)"
row "the same without the watcher: the facade's \`kill\` + blocking \`waitpid\` from Java (what a JVM can do at best)" "$(us "$(printf '%s' "$floor" | median)")" "C \`kill\` + \`waitpid\`, same pairs: $(us "$(printf '%s' "$c_lat" | median)")" "$(printf '%s' "$rf" | spread) C; the watcher $(printf '%s' "$rw" | spread) this" "(reported; no target)"
row "reaping 1,000 children killed at once, per child (\`ExitWatcher.watch(Child)\`)" "$(us "$(printf '%s' "$thr" | median)")" "C \`waitpid\` loop: $(us "$(printf '%s' "$c_thr" | median)")" "$(printf '%s' "$r2" | spread) C" "≤ 1.5× C: $(judged "$r2" "<=" 1.5)"
fi

# 6. guarded-fork stall rate: stalls before the body are retried by Fork.run; goal 0 reaching the caller
if want stalls; then
log "guarded-fork stall rate (several minutes)..."
for mode in "idle nogc ${STALL_IDLE:-10000}" "threads8 nogc ${STALL_IDLE:-10000}" "busy nogc ${STALL_BUSY:-10000}" \
            "idle gc ${STALL_IDLE:-10000}" "threads8 gc ${STALL_IDLE:-10000}" "busy gc ${STALL_BUSY:-10000}"; do
  set -- $mode
  line=$(jrun io.forkj.benchmarks.ForkStallRate "$3" "$1" "$2" | tail -1)
  stalls=$(echo "$line" | sed -n 's/.*stalls=\([0-9]*\).*/\1/p')
  retried=$(echo "$line" | sed -n 's/.*retried=\([0-9]*\).*/\1/p')
  p50=$(echo "$line" | sed -n 's/.*p50=\([0-9.]*ms\).*/\1/p')
  per10k=$(awk -v s="$stalls" -v n="$3" 'BEGIN {printf "%.1f", s * 10000 / n}')
  label=$([ "$1" = threads8 ] && echo "8 threads forking" || echo "$1 parent")
  row "guarded-fork stalls, $label, gcBeforeFork=$([ "$2" = gc ] && echo true || echo false) ($3 forks, empty body)" "$stalls reached the caller (${per10k} per 10,000); $retried stalled before the body and were retried; median fork+wait $p50" "—" "—" "0 reaching the caller: $([ "$stalls" = 0 ] && echo met || echo missed)"
done
fi

# 7. multiprocessing: MpProcess start + join per start method vs CPython's multiprocessing (interleaved)
if want mp; then
log "multiprocessing process start + join (benchmarks/mp/process.sh)..."
while IFS= read -r line; do rows+=("$line"); done < <("$here/mp/process.sh" "$jar" "${MP_ROUNDS:-5}")
fi

# 8. multiprocessing: Queue, Pool, ProcessPoolExecutor, Manager against CPython (benchmarks/mp/queue.sh)
if want mp; then
log "multiprocessing queue/pool/executor/manager vs CPython..."
while IFS= read -r line; do rows+=("$line"); done < <(QUEUE_SH_ROWS_ONLY=1 ROUNDS="$rounds" "$here/mp/queue.sh" "$jar")
fi

# 9. multiprocessing shared memory and locks vs CPython (issue 14): rows from benchmarks/mp/shm.sh
if want mp; then
while IFS= read -r line; do rows+=("$line"); done < <(ROUNDS="$rounds" "$here/mp/shm.sh" "$jar")
fi

cores=$(nproc)
kernel=$(uname -r)
jdk=$("$java_bin" -version 2>&1 | head -1)
cat <<TABLE
Measured $(date -u +%Y-%m-%d) on $cores cores, Linux $kernel, $jdk; $rounds rounds, each a loop of many operations.
Rows with a spread ran forkj and its baselines in turn, round by round: the ratio is the median of the per-round
ratios, with their min–max; a target whose pairs fall on both sides of it gets no verdict.

| row | forkj | baselines (same run) | ratio | target |
|---|---|---|---|---|
$(printf '%s\n' "${rows[@]}")
TABLE

# 7. multiprocessing Pipe, one way, against CPython (its own table)
if want mp; then "$here/mp/pipe.sh"; fi
