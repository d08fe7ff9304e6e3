package io.forkj.examples.demos;

import io.forkj.examples.mp.ProcessDemos;
import io.forkj.examples.mp.QueueDemos;
import io.forkj.examples.mp.SharedMemoryDemos;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Every demo, in tour order. */
public final class Demos {
    private static final List<Demo> ALL = Stream.of(
            List.of(new ForkBasic(), new ForkVariables(), new Pids(), new ExitStatus(), new ExitVsUnderscoreExit(),
                    new Orphan(), new Zombie(), new Wait(), new DoubleFork(), new SigchldIgnore(), new ProcessStates()),
            ProcessDemos.all(), SharedMemoryDemos.all(), QueueDemos.all())
            .flatMap(List::stream).collect(Collectors.toUnmodifiableList());

    private Demos() {
    }

    /** The demos in tour order. */
    public static List<Demo> all() {
        return ALL;
    }

    /** The demo with this name. */
    public static Optional<Demo> named(String name) {
        return ALL.stream().filter(d -> d.name().equals(name)).findFirst();
    }
}
