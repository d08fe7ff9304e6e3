package io.forkj.posix.internal.proc;

/**
 * The fields of one {@code /proc/PID/stat} line that forkj uses, parsed by {@link ProcParser#stat(CharSequence)}.
 * Field numbers are those of proc(5).
 *
 * @param pid        (1)
 * @param comm       (2) the command name, without the parentheses; may hold spaces, parentheses, newlines
 * @param state      (3) the kernel state letter
 * @param ppid       (4)
 * @param pgrp       (5)
 * @param session    (6)
 * @param ttyNr      (7) controlling terminal, 0 for none
 * @param tpgid      (8) foreground process group of the terminal, -1 for none
 * @param flags      (9) PF_* flags
 * @param utime      (14) user CPU time, clock ticks
 * @param stime      (15) system CPU time, clock ticks
 * @param priority   (18)
 * @param nice       (19)
 * @param numThreads (20)
 * @param startTime  (22) start time after boot, clock ticks: with the pid, the process's identity
 * @param vsize      (23) virtual memory size, bytes
 * @param rss        (24) resident set size, pages
 */
public record StatLine(int pid, String comm, char state, int ppid, int pgrp, int session, int ttyNr, int tpgid,
                       long flags, long utime, long stime, long priority, int nice, int numThreads,
                       long startTime, long vsize, long rss) {
    /** {@code PF_KTHREAD} of {@code <linux/sched.h>}, in {@link #flags}. */
    private static final long PF_KTHREAD = 0x00200000;

    /**
     * Whether this is a kernel thread ({@code PF_KTHREAD}): it runs with the kernel's credentials (real uid 0) and
     * has no user memory, so nothing it could lock ({@code VmLck:} absent).
     */
    public boolean isKernelThread() {
        return (flags & PF_KTHREAD) != 0;
    }
}
