package io.forkj.posix.internal.fork;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.forkj.posix.internal.proc.Mapping;
import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcParser;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Whether this JVM's Java heap is a shared mapping, which {@code fork(2)} shares with the child instead of copying
 * it: ZGC maps its heap from a memfd ({@code /memfd:java_heap}, {@code rw-s}, JDK 17 to 25), {@code
 * -XX:AllocateHeapAt} from a file, {@code -XX:+UseLargePages -XX:+UseSHM} from System V shared memory. A forked
 * child then writes into its parent's live heap: its allocations land in the TLAB the parent's thread goes on
 * using, its locking in the objects' mark words, and ZGC's load barriers heal and relocate objects there. No fork
 * that runs Java code in the child is safe in such a JVM (measured: {@code ForkStallRate 300 busy} under
 * {@code -XX:+UseZGC}, JDK 17: 7 of 20 parent JVMs crashed, in {@code ZMark::mark_and_follow},
 * {@code markWord::displaced_mark_helper}, {@code Dictionary::find}), so forkj refuses them all, here.
 */
public final class SharedHeap {
    private SharedHeap() {
    }

    /**
     * Names a heap of HotSpot's can have when it is shared: ZGC's memfd, System V shared memory, and the unnamed
     * ({@code O_TMPFILE}: {@code /DIR/#INODE}) or unlinked ({@code jvmheap.XXXXXX}) file of {@code AllocateHeapAt}.
     */
    private static final Pattern HEAP_NAME = Pattern.compile("/memfd:java_heap.*|/SYSV.*|.*/#\\d+ \\(deleted\\)|.*/jvmheap\\..*");

    /** Found once, on the first fork: the collector and the heap's mapping do not change while the JVM runs. */
    private static final class Found {
        static final Optional<String> EVIDENCE = find(ProcParser.maps(ProcFs.read(ProcFs.self("maps")).orElse("")),
                SharedHeap::vmOption);
    }

    /**
     * Throws if this JVM's heap is shared with a forked child.
     *
     * @param call what was refused, for the message ({@code fork()}, {@code Fork.run}, {@code Daemon.start})
     * @throws UnsupportedOperationException naming the setting and the mapping that make the heap shared, and what
     *                                       works instead
     */
    public static void refuseFork(String call) {
        Optional<String> evidence = Found.EVIDENCE;
        if (evidence.isPresent()) {
            throw new UnsupportedOperationException(call + " refused: this JVM's Java heap is a shared mapping ("
                    + evidence.get() + "), which fork(2) shares with the child instead of copying it, so a forked "
                    + "child's writes (allocation, locking, the collector's barriers) would corrupt this JVM's own heap. "
                    + "Spawn (posix_spawn) and multiprocessing's SPAWN and STANDBY start methods copy nothing and work "
                    + "here; or run with a collector whose heap is private (G1, Parallel, Serial, Shenandoah)");
        }
    }

    /**
     * {@link #evidence}, asking for the VM options only when a writable shared mapping could be the heap (or the maps
     * could not be read): the management beans that answer cost a JVM's first raw fork 20-30 ms.
     */
    static Optional<String> find(List<Mapping> maps, Function<String, Optional<String>> vmOption) {
        boolean candidate = maps.isEmpty() || maps.stream()
                .anyMatch(m -> m.shared() && m.writable() && HEAP_NAME.matcher(m.path()).matches());
        return candidate ? evidence(vmOption, maps) : Optional.empty();
    }

    /**
     * What makes the heap shared, or empty: the VM options (their final values) that do it, and the shared mapping
     * seen in {@code maps}.
     *
     * @param vmOption a VM option's value by name, empty if this JVM has no such option
     */
    static Optional<String> evidence(Function<String, Optional<String>> vmOption, List<Mapping> maps) {
        String setting = null;
        String mappedFrom = null;
        if (vmOption.apply("UseZGC").filter("true"::equals).isPresent()) {
            setting = "-XX:+UseZGC";
            mappedFrom = "/memfd:java_heap";
        }
        Optional<String> heapFile = vmOption.apply("AllocateHeapAt").filter(dir -> !dir.isEmpty());
        if (heapFile.isPresent()) {
            setting = "-XX:AllocateHeapAt=" + heapFile.get();
            mappedFrom = heapFile.get().endsWith("/") ? heapFile.get() : heapFile.get() + "/";
        }
        if (vmOption.apply("UseSHM").filter("true"::equals).isPresent()
                && vmOption.apply("UseLargePages").filter("true"::equals).isPresent()) {
            setting = "-XX:+UseLargePages -XX:+UseSHM";
            mappedFrom = "/SYSV";
        }
        Mapping seen = null;
        for (Mapping m : maps) {
            if (m.shared() && m.writable() && (m.path().startsWith("/memfd:java_heap")
                    || mappedFrom != null && m.path().startsWith(mappedFrom))) {
                seen = m;
                break;
            }
        }
        if (setting == null && seen == null) {
            return Optional.empty();
        }
        String mapping = seen == null ? "" : ProcFs.self("maps") + ": " + Long.toHexString(seen.start()) + "-"
                + Long.toHexString(seen.end()) + " " + seen.perms() + " " + seen.path();
        return Optional.of(setting == null ? mapping : seen == null ? setting : setting + "; " + mapping);
    }

    private static Optional<String> vmOption(String name) {
        try {
            return Optional.of(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(name).getValue());
        } catch (RuntimeException | LinkageError noSuchOption) {
            return Optional.empty(); // an option this JVM does not have (UseSHM is gone in JDK 25), or no HotSpot
        }
    }
}
