# Sourced by the benchmark scripts: the java to run ($JAVA_HOME's if set) and the flags it needs for forkj
# (JDK 24+: native access for jffi, and its sun.misc.Unsafe memory access), in $java_bin and ${flags[@]}.
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
flags=()
version=$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${version%%.*}" -ge 24 ] 2>/dev/null; then
  flags+=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
fi
