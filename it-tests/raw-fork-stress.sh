#!/usr/bin/env bash
# Raw-fork stress: fresh JVMs (failsafe gives each IT class one), each running RawForkStress; counts the JVMs in
# which one of the tests' raw children (RawChild) stalled before its start byte. docs/DESIGN.md, "A raw
# Posix.fork() child calls no method on its way out of fork()".
# usage: it-tests/raw-fork-stress.sh [JVMS] [ROUNDS] [EVERY]   (defaults 20 3 10; JAVA_HOME picks the JDK)
# A stalled child's gdb backtrace and stack, jhsdb's view and this JVM's compiled-code list go to $OUT (default: a
# new directory under /tmp). gdb is optional. Not part of mvn verify.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
jvms=${1:-20}
rounds=${2:-3}
every=${3:-10}
out=${OUT:-$(mktemp -d /tmp/raw-fork-stress.XXXXXX)}
mkdir -p "$out"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
(cd "$root" && mvn -B -q -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile="$out/classpath.txt" -pl it-tests -am) >&2
# The failsafe JVM's own flags (it-tests/pom.xml, forkj.it.jvmFlags), as Maven resolved them for this JDK.
read -r -a flags < "$here/target/test-classes/it-jvm-flags.txt"
flags+=("-Dforkj.it.stallDump=$out")
version=$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
classpath="$here/target/test-classes:$(cat "$out/classpath.txt")"
stalled=0
for i in $(seq 1 "$jvms"); do
  if ! "$java_bin" "${flags[@]}" -cp "$classpath" io.forkj.it.RawForkStress "$rounds" "$every" > "$out/jvm-$i.txt" 2>&1; then
    stalled=$((stalled + 1))
    echo "JVM $i: $(grep -m1 -o 'child [0-9]* did not end[^;]*' "$out/jvm-$i.txt" || tail -1 "$out/jvm-$i.txt")"
  fi
done
echo "$stalled of $jvms JVMs had a raw child stall ($rounds rounds of 1,000 children, 1 in $every a raw child; java $version); details in $out"
