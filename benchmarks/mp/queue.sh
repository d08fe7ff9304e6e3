#!/usr/bin/env bash
# forkj's Queue, Pool, ProcessPoolExecutor and Manager against CPython's multiprocessing, in the same run,
# interleaved (forkj round, CPython round, ...), each round in a fresh process: forkj after three untimed rounds
# (its JVMs have compiled the round's paths), CPython after one. Fresh worker JVMs still compile their own start-up
# then, so Pool.map is also timed after 30 untimed maps on both sides (a long-lived pool).
# Prints Markdown table rows (benchmarks/run.sh adds them to its table), or a full table when run alone.
#   benchmarks/mp/queue.sh [JAR]        ROUNDS=5 by default; ONLY=MODE (queue, queue-fanout, queue-threads,
#                                       queue-producers, pool-map, imap, executor, manager,
#                                       manager-lock, manager-queue)
#                                       measures that mode's rows alone
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="${1:-$root/benchmarks/target/forkj-benchmarks.jar}"
rounds="${ROUNDS:-5}"
if [ ! -f "$jar" ]; then
  (cd "$root" && mvn -B -q -DskipTests package -pl benchmarks -am) >&2
fi
. "$here/../jvm-flags.sh"

py() {  # MODE N [WARMUP]: WARMUP warm-up rounds (1 unless given), then one measured round, ops/s
python3 - "$1" "$2" "${3:-1}" <<'PY'
import sys, time, multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
def ident(x): return x
def consumer(q, control, n):
    control.put("ready")
    for _ in range(n): q.get()
    control.put("done")
def fan_consumer(q, control):
    control.put(-1)
    got = 0
    while q.get() >= 0: got += 1
    control.put(got)
def main(mode, n, warm):
    if mode == "queue":
        for r in range(2):
            q, control = mp.Queue(), mp.Queue()
            p = mp.Process(target=consumer, args=(q, control, n)); p.start(); control.get()
            t = time.perf_counter()
            for i in range(n): q.put(i)
            control.get(); dt = time.perf_counter() - t; p.join()
    elif mode == "queue-fanout":
        for r in range(2):
            q, control = mp.Queue(), mp.Queue()
            ps = [mp.Process(target=fan_consumer, args=(q, control)) for _ in range(4)]
            for p in ps: p.start()
            for p in ps: control.get()
            t = time.perf_counter()
            for i in range(n): q.put(i)
            for p in ps: q.put(-1)
            got = sum(control.get() for p in ps); dt = time.perf_counter() - t
            for p in ps: p.join()
            assert got == n
    elif mode == "queue-threads":
        import threading
        for r in range(2):
            q, got = mp.Queue(), []
            def thread_consumer():
                k = 0
                while q.get() >= 0: k += 1
                got.append(k)
            ts = [threading.Thread(target=thread_consumer) for _ in range(32)]
            for th in ts: th.start()
            t = time.perf_counter()
            for i in range(n): q.put(i)
            for th in ts: q.put(-1)
            for th in ts: th.join()
            dt = time.perf_counter() - t
            assert sum(got) == n
    elif mode == "queue-producers":
        import threading
        each = n // 32
        for r in range(2):
            q = mp.Queue(100)
            def thread_producer():
                for i in range(each): q.put(i)
            t = time.perf_counter()
            ts = [threading.Thread(target=thread_producer) for _ in range(32)]
            for th in ts: th.start()
            s = sum(q.get() for _ in range(each * 32))
            for th in ts: th.join()
            dt = time.perf_counter() - t
            assert s == 32 * each * (each - 1) // 2
    elif mode in ("pool-map", "imap"):
        with mp.Pool(2) as pool:
            for r in range(warm + 1):
                t = time.perf_counter()
                if mode == "pool-map": out = pool.map(ident, range(n))
                else: out = list(pool.imap(ident, range(n), 1))
                dt = time.perf_counter() - t
                assert len(out) == n
    elif mode == "executor":
        with ProcessPoolExecutor(2) as ex:
            for r in range(2):
                t = time.perf_counter()
                fs = [ex.submit(ident, i) for i in range(n)]
                s = sum(f.result() for f in fs)
                dt = time.perf_counter() - t
                assert s == n * (n - 1) // 2
    elif mode == "manager":
        with mp.Manager() as m:
            d = m.dict()
            for r in range(2):
                t = time.perf_counter()
                for i in range(n): d[i] = i
                dt = time.perf_counter() - t
    elif mode == "manager-lock":
        with mp.Manager() as m:
            lock = m.Lock()
            for r in range(2):
                t = time.perf_counter()
                for i in range(n):
                    lock.acquire()
                    lock.release()
                dt = time.perf_counter() - t
    elif mode == "manager-queue":
        with mp.Manager() as m:
            q = m.Queue()
            for r in range(2):
                t = time.perf_counter()
                s = 0
                for i in range(n):
                    q.put(i)
                    s += q.get()
                dt = time.perf_counter() - t
                assert s == n * (n - 1) // 2
    print(int(n / dt))
if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
PY
}
fj() { "$java_bin" "${flags[@]}" -cp "$jar" io.forkj.benchmarks.MpThroughput "$1" "$2" 1 ${3:-} | tail -1; }

stats() {  # median and spread (min..max) of numbers on stdin
  sort -g | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%d %d %d\n", m, a[1], a[NR]}'
}
human() { awk -v n="$1" 'BEGIN {if (n >= 1e6) printf "%.2f M/s", n/1e6; else if (n >= 1e3) printf "%.1f k/s", n/1e3; else printf "%d /s", n}'; }

rows=()
measure() {  # MODE N LABEL TARGET_RATIO [WARMUP: untimed rounds before the timed one, both sides]
  if [ -n "${ONLY:-}" ] && [ "$ONLY" != "$1" ]; then
    return
  fi
  local a=() b=()
  for ((r = 0; r < rounds; r++)); do
    a+=("$(fj "$1" "$2" ${5:-})")
    b+=("$(py "$1" "$2" ${5:-})")
  done
  read -r fm fmin fmax < <(printf '%s\n' "${a[@]}" | stats)
  read -r pm pmin pmax < <(printf '%s\n' "${b[@]}" | stats)
  local ratio verdict
  ratio=$(awk -v a="$fm" -v b="$pm" 'BEGIN {printf "%.2f", a / b}')
  verdict=$(awk -v r="$ratio" -v t="$4" 'BEGIN {print (t == "" ? "(reported)" : (r >= t ? "met" : "missed"))}')
  rows+=("| $3 | $(human "$fm") ($(human "$fmin")..$(human "$fmax")) | CPython 3 multiprocessing: $(human "$pm") ($(human "$pmin")..$(human "$pmax")) | ${ratio}× CPython | ${4:+≥ ${4}× CPython: }$verdict |")
}

echo "mp: Queue one way..." >&2
measure queue 200000 "\`Queue\` one way, small ints, 1 producer → 1 SPAWN consumer" 3
echo "mp: Queue fan-out..." >&2
measure queue-fanout 200000 "\`Queue\`, small ints, 1 producer → 4 SPAWN consumers" 3
echo "mp: Queue to consumer threads..." >&2
measure queue-threads 100000 "\`Queue\`, small ints, 1 producer → 32 consumer threads of one process" 3
echo "mp: Queue from producer threads..." >&2
measure queue-producers 100000 "\`Queue(100)\`, small ints, 32 producer threads → 1 consumer thread of one process" 3
echo "mp: Pool.map..." >&2
measure pool-map 100000 "\`Pool(2).map\`, 100,000 tiny tasks, default chunksize" 1
echo "mp: Pool.map, long-lived pool..." >&2
measure pool-map 100000 "\`Pool(2).map\`, the same, on a pool that has run 30 maps (both sides)" 1 30
echo "mp: imap..." >&2
measure imap 20000 "\`Pool(2).imap\`, chunksize 1, 20,000 tiny tasks" 2
echo "mp: executor..." >&2
measure executor 10000 "\`ProcessPoolExecutor(2).submit\`, 10,000 tiny tasks" 2
echo "mp: manager..." >&2
measure manager 5000 "\`Manager\` dict put round trips from another process" ""
echo "mp: manager lock..." >&2
measure manager-lock 2500 "\`Manager\` Lock acquire + release pairs (2 round trips each)" ""
echo "mp: manager queue..." >&2
measure manager-queue 2500 "\`Manager\` Queue put + get pairs (2 round trips each)" ""

if [ "${QUEUE_SH_ROWS_ONLY:-}" = 1 ]; then
  printf '%s\n' "${rows[@]}"
else
  echo "Medians of $rounds interleaved rounds (spread min..max), $(nproc) cores, $("$java_bin" -version 2>&1 | head -1), $(python3 --version)."
  echo
  echo "| row | forkj | baseline (same run) | ratio | target |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
fi
