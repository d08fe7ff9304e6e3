package io.forkj.posix.internal.libc;

/** The argument rules shared by every call that takes a pid or an exit status, so each is stated once. */
public final class Arguments {
    private Arguments() {
    }

    /**
     * Refuses anything but one process: 0, -1 and negative pids address groups or everyone in C.
     *
     * @param call        the API call, for the message
     * @param pid         the argument
     * @param alternative what to call instead for groups
     */
    public static int singlePid(String call, int pid, String alternative) {
        if (pid <= 0) {
            String meaning = pid == 0 ? "0 means every process in the caller's process group"
                    : pid == -1 ? "-1 means every process the caller may signal or wait for"
                    : "a negative pid means the process group " + (-(long) pid);
            throw new IllegalArgumentException(call + "(" + pid + "): a single process needs a pid > 0; " + meaning
                    + "; use " + alternative + " for that");
        }
        return pid;
    }

    /** Accepts a pid or 0 for the caller, refusing negatives. */
    public static int pidOrSelf(String call, int pid) {
        if (pid < 0) {
            throw new IllegalArgumentException(call + "(" + pid + "): pid must be > 0, or 0 for the caller");
        }
        return pid;
    }

    /** Refuses exit statuses the kernel would truncate to 8 bits. */
    public static int exitStatus(int status) {
        if (status < 0 || status > 255) {
            throw new IllegalArgumentException("exit status " + status + " is outside 0..255: the kernel keeps only the low 8 bits, so "
                    + status + " would be seen as " + (status & 0xff));
        }
        return status;
    }
}
