package io.forkj.posix.internal.fork;

import io.forkj.posix.internal.proc.Mapping;
import io.forkj.posix.internal.proc.ProcParser;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** SharedHeap's verdict on /proc/PID/maps captured from JDK 17 JVMs (src/test/resources/proc/maps-*.txt). */
class SharedHeapTest {
    private static List<Mapping> maps(String name) throws IOException {
        try (InputStream in = SharedHeapTest.class.getResourceAsStream("/proc/" + name)) {
            return ProcParser.maps(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static Function<String, Optional<String>> options(Map<String, String> values) {
        return name -> Optional.ofNullable(values.get(name));
    }

    @Test
    void zgcIsSharedByItsOptionAndItsMemfd() throws IOException {
        assertThat(SharedHeap.evidence(options(Map.of("UseZGC", "true", "AllocateHeapAt", "")), maps("maps-zgc-jdk17.txt")))
                .contains("-XX:+UseZGC; /proc/self/maps: 40000000000-40017a00000 rw-s /memfd:java_heap (deleted)");
    }

    @Test
    void zgcsMemfdAloneIsEnoughWhenTheOptionsCannotBeRead() throws IOException {
        assertThat(SharedHeap.evidence(options(Map.of()), maps("maps-zgc-jdk17.txt")))
                .contains("/proc/self/maps: 40000000000-40017a00000 rw-s /memfd:java_heap (deleted)");
    }

    @Test
    void aHeapFileIsSharedByItsOptionAndItsMapping() throws IOException {
        assertThat(SharedHeap.evidence(options(Map.of("UseZGC", "false", "AllocateHeapAt", "/tmp")),
                maps("maps-allocateheapat-jdk17.txt")))
                .contains("-XX:AllocateHeapAt=/tmp; /proc/self/maps: 687400000-7ffb00000 rw-s /tmp/#2148492 (deleted)");
    }

    @Test
    void largePagesInSystemVSharedMemoryAreSharedByTheirOptions() throws IOException {
        assertThat(SharedHeap.evidence(options(Map.of("UseSHM", "true", "UseLargePages", "true")), maps("maps-g1-jdk17.txt")))
                .contains("-XX:+UseLargePages -XX:+UseSHM");
        assertThat(SharedHeap.evidence(options(Map.of("UseSHM", "true", "UseLargePages", "false")), maps("maps-g1-jdk17.txt")))
                .isEmpty();
    }

    @Test
    void theOptionsAreAskedOnlyWhenAMappingCouldBeTheHeap() throws IOException {
        Function<String, Optional<String>> mustNotBeAsked = name -> {
            throw new AssertionError("asked for " + name);
        };
        assertThat(SharedHeap.find(maps("maps-g1-jdk17.txt"), mustNotBeAsked)).isEmpty();
        Map<String, String> heapFile = Map.of("AllocateHeapAt", "/tmp");
        assertThat(SharedHeap.find(maps("maps-allocateheapat-jdk17.txt"), options(heapFile))).isPresent();
        assertThat(SharedHeap.find(maps("maps-zgc-jdk17.txt"), options(Map.of("UseZGC", "true")))).isPresent();
        assertThat(SharedHeap.find(List.of(), options(Map.of("UseZGC", "true")))).as("maps unreadable").isPresent();
    }

    @Test
    void theDefaultHeapIsPrivateThoughOtherMappingsAreShared() throws IOException {
        List<Mapping> g1 = maps("maps-g1-jdk17.txt");
        assertThat(g1).anyMatch(m -> m.shared() && m.writable() && m.path().startsWith("/tmp/hsperfdata_"));
        assertThat(SharedHeap.evidence(options(Map.of("UseZGC", "false", "AllocateHeapAt", "", "UseSHM", "false")), g1))
                .isEmpty();
    }
}
