package io.forkj.examples.mp;

import io.forkj.examples.demos.Demo;

import java.util.List;

/** The multiprocessing demos of the seed lessons: queues, pools, executors and managers (issue 15), in tour order. */
public final class QueueDemos {
    private static final List<Demo> ALL = List.of();

    private QueueDemos() {
    }

    /** These demos in tour order. */
    public static List<Demo> all() {
        return ALL;
    }
}
