package io.forkj.it;

import io.forkj.posix.Daemon;
import io.forkj.posix.DaemonHandle;
import io.forkj.posix.DaemonSpec;

import java.nio.file.Path;

/**
 * A program that daemonizes itself, for {@link DaemonizeSelfIT}: run as {@code SelfDaemonMain PIDFILE}, it
 * relaunches itself as a daemon holding PIDFILE, prints the daemon's pid and exits 0; the daemon sleeps.
 */
public final class SelfDaemonMain {
    private SelfDaemonMain() {
    }

    /** Entry point. */
    public static void main(String[] args) throws InterruptedException {
        if (!Daemon.isDaemonized()) {
            DaemonHandle daemon = Daemon.daemonizeSelf(DaemonSpec.ofThisJvm(SelfDaemonMain.class, args)
                    .pidFile(Path.of(args[0])).readyTimeout(java.time.Duration.ofSeconds(30)));
            System.out.println(daemon.pid());
            return;
        }
        Thread.sleep(600_000);
    }
}
