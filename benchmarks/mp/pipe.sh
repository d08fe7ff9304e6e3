#!/usr/bin/env bash
# Pipe, one way: forkj Connection vs CPython's multiprocessing Connection, measured in the same run,
# interleaved (forkj round, CPython round, forkj round, ...), on a duplex Pipe (the default of both).
# A sending child, a receiving parent; msgs/s over each round. Prints Markdown rows (median, min-max spread).
#   benchmarks/mp/pipe.sh             # 7 rounds
#   ROUNDS=3 benchmarks/mp/pipe.sh
#   ONLY="object" benchmarks/mp/pipe.sh   # some rows: small, bytes1m, object, connect
# "connect": authenticated Listener/Client connections per second (connect, the HMAC challenge both ways, one
# 1-byte message, close), one process, an accepting thread; CPython's multiprocessing.connection beside it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
rounds="${ROUNDS:-7}"
small_n="${SMALL_N:-200000}"
big_n="${BIG_N:-1000}"
object_n="${OBJECT_N:-50000}"
connect_n="${CONNECT_N:-2000}"
only=" ${ONLY:-small bytes1m object connect} "
jar="$root/benchmarks/target/forkj-benchmarks.jar"
if [ ! -f "$jar" ]; then
  (cd "$root" && mvn -B -q -DskipTests package -pl benchmarks -am) >&2
fi
. "$here/../jvm-flags.sh"

py() {
  python3 - "$1" "$2" <<'PY'
import multiprocessing as mp, sys, time
mode, n = sys.argv[1], int(sys.argv[2])
def sender(c, mode, n):
    if mode == "bytes1m":
        b = bytes(1 << 20)
        for _ in range(n): c.send_bytes(b)
    elif mode == "object":
        objs = [(i, "p%d" % i) for i in range(256)]
        for i in range(n): c.send(objs[i & 255])
    else:
        s = ["message %d" % i for i in range(256)]
        for i in range(n): c.send(s[i & 255])
def once(count):
    a, b = mp.Pipe()
    p = mp.get_context("fork").Process(target=sender, args=(b, mode, count))
    p.start(); b.close()
    recv = a.recv_bytes if mode == "bytes1m" else a.recv
    a.poll(None)
    t = time.perf_counter()
    for _ in range(count): recv()
    el = time.perf_counter() - t
    p.join()
    return count / el
once(max(1, n // 10))   # warm-up, as the Java side does
print(int(once(n)))
PY
}
py_connect() {
  python3 - "$1" <<'PY'
import os, sys, tempfile, threading, time
from multiprocessing.connection import Listener, Client
n = int(sys.argv[1])
key = b"benchmark authkey"
path = os.path.join(tempfile.mkdtemp(), "socket")
listener = Listener(path, authkey=key)
def serve(count, out):
    got = 0
    for _ in range(count):
        with listener.accept() as c:
            got += len(c.recv_bytes())
    out.append(got)
def once(count):
    out = []
    t = threading.Thread(target=serve, args=(count, out)); t.start()
    start = time.perf_counter()
    for _ in range(count):
        with Client(path, authkey=key) as c:
            c.send_bytes(b"\x01")
    t.join()
    assert out == [count]
    return count / (time.perf_counter() - start)
once(max(1, n // 10))   # warm-up, as the Java side does
print(int(once(n)))
listener.close()
PY
}
jv() {
  if [ "$1" = connect ]; then
    "$java_bin" "${flags[@]}" -cp "$jar" io.forkj.benchmarks.mp.ListenerConnect "$2" 1
  else
    "$java_bin" "${flags[@]}" -cp "$jar" io.forkj.benchmarks.mp.PipeThroughput "$1" "$2" 1
  fi
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
spread() { sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%d–%d", lo, hi}'; }

row() {  # mode count label python-call target
  local mode=$1 n=$2 label=$3 pylabel=$4 target=$5 j=() p=()
  for _ in $(seq "$rounds"); do
    j+=("$(jv "$mode" "$n")")
    if [ "$mode" = connect ]; then p+=("$(py_connect "$n")"); else p+=("$(py "$mode" "$n")"); fi
  done
  local jm pm r
  jm=$(printf '%s\n' "${j[@]}" | median); pm=$(printf '%s\n' "${p[@]}" | median)
  r=$(awk -v a="$jm" -v b="$pm" 'BEGIN {printf "%.2f", a / b}')
  local verdict="—"
  if [ -n "$target" ]; then
    verdict="≥ ${target}× CPython: $(awk -v v="$r" -v t="$target" 'BEGIN {print (v >= t) ? "met" : "missed"}')"
  fi
  local unit=msg/s
  [ "$mode" = connect ] && unit=conn/s
  echo "| $label | $(printf '%.0f' "$jm") $unit ($(printf '%s\n' "${j[@]}" | spread)) | CPython $pylabel: $(printf '%.0f' "$pm") $unit ($(printf '%s\n' "${p[@]}" | spread)) | ${r}× | $verdict |"
}

echo >&2 "Pipe one way, $rounds interleaved rounds each..."
echo "| Pipe one way (duplex, child sends, parent receives) | forkj | baseline (same run) | ratio | target |"
echo "|---|---|---|---|---|"
[[ "$only" == *" small "* ]] && row small "$small_n" "small objects: \`send\`/\`recv\` of a short String ($small_n per round)" "\`send\`/\`recv\` of a short str" 2
[[ "$only" == *" bytes1m "* ]] && row bytes1m "$big_n" "1 MiB messages: \`sendBytes\`/\`recvBytes\` ($big_n per round)" "\`send_bytes\`/\`recv_bytes\`" 2
[[ "$only" == *" connect "* ]] && row connect "$connect_n" "authenticated connections: \`Listener.accept\`/\`Client.connect\` with an authkey, one 1-byte message each, unix socket ($connect_n per round)" "\`Listener\`/\`Client\` with an authkey" ""
[[ "$only" == *" object "* ]] && row object "$object_n" "small records, compact form: \`send\`/\`recv\` of a \`record Point(int, String)\` ($object_n per round)" "\`send\`/\`recv\` of a small tuple (pickle)" ""
true
