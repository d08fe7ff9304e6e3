package io.forkj.it;

import io.forkj.Posix;
import io.forkj.ProcessIdentity;
import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import io.forkj.Signal;
import io.forkj.posix.internal.libc.Native;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * External programs for the process-table tests, and their cleanup: every process started or adopted is
 * killed and reaped by {@link #close()}. {@code java.lang.Process} children are reaped by the JDK; processes this
 * JVM adopted as a subreaper are reaped here with waitpid.
 */
final class Procs implements AutoCloseable {
    private static final int PR_SET_CHILD_SUBREAPER = 36;
    private final List<Process> started = new ArrayList<>();
    private final List<Integer> adopted = new ArrayList<>();

    /** Makes this JVM the subreaper of its descendants, so orphans come to it, deterministically. */
    static void becomeSubreaper() {
        assertThat(Native.libc().prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)).isZero();
    }

    Process start(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            started.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A process not started by ProcessBuilder that becomes (or is) this JVM's child: reaped by {@link #close()}. */
    void adopt(int pid) {
        adopted.add(pid);
    }

    /** The first line a process printed. */
    static String firstLine(Process p) {
        try {
            return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code ps -o stat= -p PID} prints for the process now. */
    static String psStat(int pid) {
        return run("ps", "-o", "stat=", "-p", Integer.toString(pid)).trim();
    }

    /** Runs a command to its end (10 s at most) and returns its output. */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("%s ends", List.of(command)).isTrue();
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether this JVM runs niced (as under {@code nice mvn verify}): its children inherit it, and ps shows N. */
    static boolean jvmNiced() {
        // /proc/PID/stat field 19 is the nice value; Kernel.stat's fields start at field 3
        return Integer.parseInt(Kernel.stat(Kernel.self()).orElseThrow()[16]) > 0;
    }

    /**
     * The STAT ps shows for a child of this JVM that would show {@code stat} (a state letter and modifiers) at nice
     * 0: with the N of a niced JVM inserted where ps puts it, after the letter.
     */
    static String inherited(String stat) {
        return jvmNiced() && stat.indexOf('N') < 0 && stat.indexOf('<') < 0
                ? stat.charAt(0) + "N" + stat.substring(1) : stat;
    }

    static ProcessInfo row(int pid) {
        return ProcessTable.snapshot().get(pid).orElseThrow(() -> new AssertionError("pid " + pid + " not in the snapshot"));
    }

    static ProcessIdentity identity(int pid) {
        return ProcessTable.process(pid).orElseThrow().identity();
    }

    @Override
    public void close() {
        Posix posix = Posix.get();
        for (Process p : started) {
            p.destroyForcibly();
        }
        for (int pid : adopted) {
            if (posix.exists(pid)) {
                posix.kill(pid, Signal.SIGKILL);
            }
        }
        for (Process p : started) {
            try {
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int pid : adopted) {
            // Adopted after its parent died: only this JVM can reap it now. It may still be on its way here.
            Kernel.await(Duration.ofSeconds(10), () -> Kernel.ppid(pid).map(pp -> pp == Kernel.self()).orElse(true));
            if (Kernel.ppid(pid).isPresent()) {
                RawChild.reap(pid);
            }
        }
    }
}
