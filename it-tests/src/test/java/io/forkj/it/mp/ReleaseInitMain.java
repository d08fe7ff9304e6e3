package io.forkj.it.mp;

import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.SystemExit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * For {@link MpDroppedObjectsIT}: a fresh JVM whose FORK child is the first to initialize forkj's release class
 * (what the first Pipe or Lock made in a FORK child does). The class is loaded here, uninitialized, so that the
 * child only runs its static initializer; the child exits with its thread count, read in the parent before the
 * fork's warm-up so that no file I/O is new in the child. Prints "threads N".
 */
public final class ReleaseInitMain {
    private ReleaseInitMain() {
    }

    public static void main(String[] args) throws Exception {
        ClassLoader loader = ReleaseInitMain.class.getClassLoader();
        Class<?> release = Class.forName("io.forkj.multiprocessing.internal.Release", false, loader);
        Class.forName("io.forkj.multiprocessing.internal.shm.Self", true, loader); // what its initializer reads
        threads(); // the /proc read below, run once here
        MpProcess p = Multiprocessing.getContext(StartMethod.FORK).process(() -> {
            Class.forName(release.getName(), true, release.getClassLoader());
            throw new SystemExit(threads());
        });
        p.start();
        p.join(Duration.ofSeconds(60));
        System.out.println("threads " + p.exitCode().orElse(-1));
    }

    static int threads() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Threads:")) {
                return Integer.parseInt(line.substring(8).trim());
            }
        }
        return -1;
    }
}
