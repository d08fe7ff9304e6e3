package io.forkj.it.signals;

import io.forkj.PosixException;
import io.forkj.posix.internal.libc.Native;

import java.util.List;

/**
 * Children that run an external program, started with {@code posix_spawnp} (not ProcessBuilder, so the JDK
 * does not own them). No Java code runs in such a child, so it cannot stall the way a forked JVM clone
 * occasionally does (measured: about one raw-forked child in 3,000 blocks forever on a futex before it reaches
 * {@code _exit}). Tests whose subject is not fork itself use these for children that must exit on their own.
 */
final class Spawn {
    private static final List<String> ENV = List.of("PATH=" + System.getenv("PATH"));

    private Spawn() {
    }

    /** Starts {@code argv} as a child of this JVM and returns its pid. */
    static int program(String... argv) {
        long pid = Native.posix().posix_spawnp(argv[0], List.of(), List.of(argv), ENV);
        if (pid <= 0) {
            throw new PosixException("posix_spawnp(" + argv[0] + ")", Native.errno());
        }
        return (int) pid;
    }
}
