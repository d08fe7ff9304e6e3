#!/usr/bin/env bash
# How often a FORK child of a young JVM stalls in its body: N fresh JVMs (default 60), each starting one FORK
# MpProcess that prints (io.forkj.benchmarks.YoungForkStall), or with BODY=lambda five in turn that each
# deserialize a lambda, as a FORK pool worker does. Prints the count of each outcome and the starts that
# Fork.run replaced because the child found a JVM lock held at the fork.
#   benchmarks/fork-stalls-young.sh          # 60 JVMs
#   N=200 benchmarks/fork-stalls-young.sh
#   N=30 BODY=lambda benchmarks/fork-stalls-young.sh
#   JAR=/path/to/other/forkj-benchmarks.jar N=60 benchmarks/fork-stalls-young.sh   # another build, to compare
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
n="${N:-60}"
jar="${JAR:-$root/benchmarks/target/forkj-benchmarks.jar}"
if [ ! -f "$jar" ]; then
  (cd "$root" && mvn -B -q -DskipTests package -pl benchmarks -am) >&2
fi
. "$here/jvm-flags.sh"
args=()
if [ "${BODY:-print}" = lambda ]; then
  args=(lambda 5)
fi
results=$(for _ in $(seq 1 "$n"); do
  "$java_bin" "${flags[@]}" -cp "$jar" io.forkj.benchmarks.YoungForkStall "${args[@]}" | grep -E '^(ok|stalled|exit)'
done)
echo "JVMs: $n, body ${BODY:-print} ($("$java_bin" -version 2>&1 | head -1))"
echo "$results" | sed -E 's/ retried=.*//; s/^(stalled): .*/\1/' | sort | uniq -c
echo "re-forked starts in all: $(echo "$results" | sed -nE 's/.* retried=//p' | awk '{s += $1} END {print s + 0}')"
