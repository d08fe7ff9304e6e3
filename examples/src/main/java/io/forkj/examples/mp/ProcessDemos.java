package io.forkj.examples.mp;

import io.forkj.examples.demos.Demo;

import java.util.List;

/** The multiprocessing demos of the seed lessons: processes, start methods and Pipe (issue 13), in tour order. */
public final class ProcessDemos {
    private static final List<Demo> ALL = List.of(
            new PipeDemo());

    private ProcessDemos() {
    }

    /** These demos in tour order. */
    public static List<Demo> all() {
        return ALL;
    }
}
