#!/usr/bin/env bash
# Shared memory and locks (issue 14) against CPython's multiprocessing, measured in the same run, interleaved
# (forkj, CPython, forkj, CPython, ...), each figure the median of ROUNDS with its spread (min-max).
# Prints Markdown table rows. Needs the benchmarks jar (run.sh builds it) and python3.
#   benchmarks/mp/shm.sh [jar]      # ROUNDS=5 by default; ONLY=MODE (lock, locked, atomic, handoff, sharelist)
#                                   # measures that mode's row alone
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
jar="${1:-$here/../target/forkj-benchmarks.jar}"
rounds="${ROUNDS:-5}"
. "$here/../jvm-flags.sh"
jrun() { "$java_bin" "${flags[@]}" -cp "$jar" io.forkj.benchmarks.SharedMemoryBench "$@"; }

py() {
python3 - "$@" <<'PY'
import multiprocessing as mp, os, sys, time
mode, n = sys.argv[1], int(sys.argv[2])

def add_locked(v, n):
    for _ in range(n):
        with v.get_lock():
            v.value += 1

def turns(lock, turn, me, other, n):
    done = 0
    while done < n:
        lock.acquire()
        if turn.value == me:
            turn.value = other
            done += 1
        lock.release()

def child(kind, shared, go, ready, done, n, lock=None, turn=None, ids=None):
    if kind == "locked":
        add_locked(mp.Value('i', 0), n)
    else:
        with ids.get_lock():
            ids.value += 1
            me = ids.value
    with ready.get_lock():
        ready.value += 1
    go.wait(120)
    if kind == "locked":
        add_locked(shared, n)
    else:
        turns(lock, turn, me, 3 - me, n)
    with done.get_lock():
        done.value += 1

def wait_for(counter, target):
    while counter.value < target:
        time.sleep(0.001)

if __name__ == "__main__":
    mp.set_start_method("fork")
    if mode == "sharelist":
        from multiprocessing import shared_memory
        sl = shared_memory.ShareableList(["sixteen bytes!!!", 0])
        def reads_and_writes(k):
            s = 0
            for i in range(k):
                s += len(sl[0])
                sl[1] = i
            return s
        for _ in range(5):
            reads_and_writes(n // 2)
        t = time.perf_counter_ns()
        reads_and_writes(n)
        print((time.perf_counter_ns() - t) / n)
        sl.shm.close()
        sl.shm.unlink()
    elif mode == "lock":
        lock = mp.Lock()
        for _ in range(5):
            for _ in range(n // 2):
                lock.acquire(); lock.release()
        t = time.perf_counter_ns()
        for _ in range(n):
            lock.acquire(); lock.release()
        print((time.perf_counter_ns() - t) / n)
    else:
        shared, go = mp.Value('i', 0), mp.Event()
        ready, done = mp.Value('i', 0), mp.Value('i', 0)
        lock, turn, ids = mp.Lock(), mp.RawValue('i', 1), mp.Value('i', 0)
        ps = [mp.Process(target=child, args=(mode, shared, go, ready, done, n, lock, turn, ids)) for _ in range(2)]
        for p in ps: p.start()
        wait_for(ready, 2)
        t = time.perf_counter_ns()
        go.set()
        wait_for(done, 2)
        elapsed = (time.perf_counter_ns() - t) / 1e9
        for p in ps: p.join()
        if mode == "locked":
            assert shared.value == 2 * n, shared.value
            print(2 * n / elapsed)
        else:
            print(2 * n / elapsed)
PY
}

stats() { sort -g | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2; printf "%s %s %s\n", m, a[1], a[NR]}'; }
fmt_ns() { awk -v m="$1" -v lo="$2" -v hi="$3" 'BEGIN {printf "%.1f ns (%.1f–%.1f)", m, lo, hi}'; }
fmt_rate() { awk -v m="$1" -v lo="$2" -v hi="$3" -v u="$4" 'BEGIN {printf "%.2f M%s (%.2f–%.2f)", m/1e6, u, lo/1e6, hi/1e6}'; }
fmt_k() { awk -v m="$1" -v lo="$2" -v hi="$3" 'BEGIN {printf "%.1f k/s (%.1f–%.1f)", m/1e3, lo/1e3, hi/1e3}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == "<=") ? v <= t : v >= t; print ok ? "met" : "missed"}'; }

want() { [ -z "${ONLY:-}" ] || [ "$ONLY" = "$1" ]; }

measure() { # mode n -> "java_stats|python_stats"
  local j=() p=()
  for _ in $(seq "$rounds"); do
    j+=("$(jrun "$1" "$2")")
    if [ "$1" != atomic ]; then p+=("$(py "$1" "$2")"); fi
  done
  echo "$(printf '%s\n' "${j[@]}" | stats)|$( [ "${#p[@]}" -gt 0 ] && printf '%s\n' "${p[@]}" | stats || echo "nan nan nan")"
}

if want lock; then
  echo "shared memory: uncontended lock..." >&2
  IFS='|' read -r js ps <<<"$(measure lock 5000000)"
  read -r jm jl jh <<<"$js"; read -r pm pl ph <<<"$ps"
  r=$(ratio "$jm" "$pm")
  echo "| uncontended \`Lock\` acquire + release (tight loop, 5 M pairs) | $(fmt_ns "$jm" "$jl" "$jh") | CPython \`multiprocessing.Lock\`: $(fmt_ns "$pm" "$pl" "$ph") | ${r}× CPython's time | ≤ CPython: $(verdict "$r" "<=" 1) |"
fi

if want locked; then
  echo "shared memory: 2 processes incrementing under getLock()..." >&2
  IFS='|' read -r js ps <<<"$(measure locked 100000)"
  read -r jm jl jh <<<"$js"; read -r pm pl ph <<<"$ps"
  r=$(ratio "$jm" "$pm")
  echo "| 2 processes × 100,000 \`Value('i')\` increments under \`getLock()\` (SPAWN children) | $(fmt_rate "$jm" "$jl" "$jh" "/s") | CPython (fork children), \`with v.get_lock(): v.value += 1\`: $(fmt_rate "$pm" "$pl" "$ph" "/s") | ${r}× CPython | ≥ 2× CPython: $(verdict "$r" ">=" 2) |"
fi

if want atomic; then
  echo "shared memory: 2 processes with atomic getAndAdd..." >&2
  IFS='|' read -r js ps <<<"$(measure atomic 100000)"
  read -r jm jl jh <<<"$js"
  : "${pm:=nan}" "${pl:=nan}" "${ph:=nan}" # CPython's figures come from the row above
  r=$(ratio "$jm" "$pm")
  echo "| same, lock-free \`getAndAdd(1)\` (no Python equivalent) | $(fmt_rate "$jm" "$jl" "$jh" "/s") | CPython under \`get_lock()\` (above): $(fmt_rate "$pm" "$pl" "$ph" "/s") | ${r}× CPython | (beside the row above) |"
fi

if want handoff; then
  echo "shared memory: contended lock hand-offs..." >&2
  IFS='|' read -r js ps <<<"$(measure handoff 20000)"
  read -r jm jl jh <<<"$js"; read -r pm pl ph <<<"$ps"
  r=$(ratio "$jm" "$pm")
  echo "| contended \`Lock\` handed between 2 processes in strict turns (20,000 turns each) | $(fmt_k "$jm" "$jl" "$jh") hand-offs | CPython: $(fmt_k "$pm" "$pl" "$ph") | ${r}× CPython | (reported) |"
fi

if want sharelist; then
  echo "shared memory: ShareableList read + write..." >&2
  IFS='|' read -r js ps <<<"$(measure sharelist 1000000)"
  read -r jm jl jh <<<"$js"; read -r pm pl ph <<<"$ps"
  r=$(ratio "$jm" "$pm")
  echo "| \`ShareableList\`: read a 16-byte string item + write an int item, one process (1 M pairs) | $(fmt_ns "$jm" "$jl" "$jh") | CPython \`shared_memory.ShareableList\`: $(fmt_ns "$pm" "$pl" "$ph") | ${r}× CPython's time | (reported) |"
fi
