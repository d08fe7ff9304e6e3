package io.forkj.posix.internal.proc;

/**
 * The fields of {@code /proc/PID/status} that forkj uses, parsed by {@link ProcParser#status(byte[], int)}.
 *
 * @param uid      real user id, the first number of {@code Uid:}
 * @param lockedKb {@code VmLck:} in kB, memory locked with mlock(2); 0 when the line is absent
 */
public record StatusFields(int uid, long lockedKb) {
}
