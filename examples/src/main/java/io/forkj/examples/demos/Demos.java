package io.forkj.examples.demos;

import java.util.List;
import java.util.Optional;

/** Every demo, in tour order. */
public final class Demos {
    private static final List<Demo> ALL = List.of(new ForkBasic(), new ForkVariables(), new Pids(), new ExitStatus(),
            new ExitVsUnderscoreExit(), new Orphan(), new Zombie(), new Wait(), new DoubleFork(), new SigchldIgnore(),
            new ProcessStates());

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
