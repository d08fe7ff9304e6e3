package io.forkj.it.mp;

import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.StartMethod;

import java.time.Duration;

/**
 * A parent JVM for {@link MpDaemonIT}: starts a daemon child (start method in args[0]) from a thread that then
 * ends, prints "child PID" and "thread-ended", then waits to be killed.
 */
public final class DaemonParentMain {
    private DaemonParentMain() {
    }

    public static void main(String[] args) throws Exception {
        StartMethod method = StartMethod.valueOf(args[0]);
        MpProcess[] child = new MpProcess[1];
        Thread starter = new Thread(() -> {
            child[0] = Multiprocessing.getContext(method).process(() -> Thread.sleep(600_000))
                    .daemon(true).forkDeadline(Duration.ofMinutes(10));
            child[0].start();
        }, "short-lived-starter");
        starter.start();
        starter.join();
        System.out.println("child " + child[0].pid());
        System.out.println("thread-ended");
        System.out.flush();
        Thread.sleep(600_000);
    }
}
