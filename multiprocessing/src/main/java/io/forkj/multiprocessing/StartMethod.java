package io.forkj.multiprocessing;

/**
 * How a process is started: Python's {@code multiprocessing.set_start_method("fork" | "spawn" | "forkserver")}.
 * Chosen per process ({@link MpProcess#startMethod(StartMethod)}), per context
 * ({@link Multiprocessing#getContext(StartMethod)}) or as the default ({@link Multiprocessing#setStartMethod}).
 */
public enum StartMethod {
    /**
     * The guarded fork ({@code io.forkj.posix.Fork}): the child is a copy of this JVM's memory, with only the
     * starting thread and no GC, JIT or VM thread. For short targets that allocate little; see
     * {@link MpProcess} for what a FORK target may do. Python's {@code "fork"}.
     */
    FORK,
    /**
     * A fresh JVM (same {@code java}, class path and options) that receives the process object serialized over a
     * pipe. Safe for any target; costs a JVM start-up. Python's {@code "spawn"}. The default.
     */
    SPAWN,
    /**
     * A JVM started ahead of time and kept idle, which only receives the process object (and the fds of forkj
     * resources, over a unix socket) on {@code start()}; a replacement is started in the background. Same
     * semantics as {@link #SPAWN}, fast start. Plays the role of Python's {@code "forkserver"}.
     */
    STANDBY
}
