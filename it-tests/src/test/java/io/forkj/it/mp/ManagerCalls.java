package io.forkj.it.mp;

import io.forkj.multiprocessing.EventProxy;

/** What a thread calling a manager is doing, read from its stack. */
final class ManagerCalls {
    private ManagerCalls() {
    }

    /**
     * In a child process: sets {@code event} once the calling thread's next call of {@code method} waits in the
     * server, watched from a daemon thread.
     */
    static void setWhenWaiting(EventProxy event, String method) {
        Thread caller = Thread.currentThread();
        Thread watch = new Thread(() -> {
            try {
                while (!readsAnAnswer(caller, method)) {
                    Thread.sleep(1);
                }
                event.set();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        watch.setDaemon(true);
        watch.start();
    }

    /**
     * Whether {@code t}, inside {@code method} of a forkj proxy (a proxy class's method or forkj's own), reads the
     * answer of its request: the request is sent, and the server has it. A read inside the authentication of a new
     * connection is not that yet.
     */
    static boolean readsAnAnswer(Thread t, String method) {
        boolean reading = false;
        boolean inMethod = false;
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().contains("Handshake")) {
                return false;
            }
            reading |= e.getClassName().startsWith("sun.nio.ch.") && e.getMethodName().toLowerCase().contains("read");
            inMethod |= (e.getClassName().startsWith("io.forkj.multiprocessing.") || e.getClassName().contains("$Proxy"))
                    && e.getMethodName().equals(method);
        }
        return reading && inMethod;
    }
}
