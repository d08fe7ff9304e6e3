package io.forkj.multiprocessing;

import io.forkj.multiprocessing.internal.ChildMain;

/** The child side of SPAWN and STANDBY, reached from {@link ChildMain} once it has the process object. */
final class ChildBoot implements ChildMain.Entry {
    static final ChildBoot INSTANCE = new ChildBoot();

    @Override
    public int run(Object process, int parentPid, String parentName) {
        if (!(process instanceof MpProcess)) {
            System.err.println("forkj child: received a " + (process == null ? "null" : process.getClass().getName())
                    + " instead of an MpProcess");
            return 1;
        }
        MpProcess p = (MpProcess) process;
        Registry.enterChild(p, new MpProcess(parentName, parentPid, true), (int) ProcessHandle.current().pid());
        return ChildRun.run(p, System.err);
    }

    @Override
    public boolean isDaemon(Object process) {
        return process instanceof MpProcess && ((MpProcess) process).daemon();
    }

    @Override
    public Object sample() {
        return new MpProcess(ChildBoot::noop, "standby-warm-up", "0");
    }

    @Override
    public void warm() {
        ProcessHandle.current().pid();
        ChildRun.run((MpProcess) sample(), System.err);
    }

    private static void noop() {
        // the warm-up target
    }
}
