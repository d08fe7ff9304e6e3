package io.forkj.examples.mp;

import io.forkj.examples.demos.Demo;

import java.util.List;

/** The multiprocessing demos of the seed lessons: shared memory and locks (issue 14), in tour order. */
public final class SharedMemoryDemos {
    private static final List<Demo> ALL = List.of();

    private SharedMemoryDemos() {
    }

    /** These demos in tour order. */
    public static List<Demo> all() {
        return ALL;
    }
}
