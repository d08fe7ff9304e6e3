package io.forkj.it;

import io.forkj.WaitStatus;
import io.forkj.posix.Daemon;
import io.forkj.posix.DaemonHandle;
import io.forkj.posix.DaemonSpec;
import io.forkj.posix.Fork;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A JVM under a seccomp filter that kills the process on an invalid system call number, as systemd's
 * {@code SystemCallFilter=} does without {@code SystemCallErrorNumber=}, for {@link SeccompIT}. Run as
 * {@code SeccompMain forks PIDFILE}: a daemon (its launcher first, whose rehearsal is its own), then guarded forks,
 * printing the daemon's pid and {@code ok} at the end; {@code SeccompMain invalid}: one invalid call, which the
 * filter must answer by killing the JVM.
 */
public final class SeccompMain {
    private static final boolean ARM64 = "aarch64".equals(System.getProperty("os.arch"));
    private static final long SECCOMP = ARM64 ? 277 : 317;
    private static final long SECCOMP_SET_MODE_FILTER = 1;
    private static final long SECCOMP_FILTER_FLAG_TSYNC = 1;
    private static final int PR_SET_NO_NEW_PRIVS = 38;
    /** No architecture has a system call numbered this high (x86-64 ends below 500; x32's have bit 30 set). */
    private static final int FIRST_INVALID = 1024;

    private SeccompMain() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        LinuxLibC libc = Native.libc();
        installKillingFilter(libc);
        if (args[0].equals("invalid")) {
            libc.syscall(-1, 0, 0, 0, 0);
            System.out.println("survived an invalid system call");
            return;
        }
        DaemonHandle daemon = Daemon.start(DaemonSpec.of("sleep", "60").pidFile(Path.of(args[1])));
        System.out.println(daemon.pid());
        if (!Daemon.stop(Path.of(args[1]), Duration.ofSeconds(30))) {
            throw new IllegalStateException("the daemon was not running");
        }
        for (int i = 0; i < 50; i++) {
            WaitStatus status = Fork.run(ctx -> { }).waitFor();
            if (!(status instanceof WaitStatus.Exited exited) || exited.code() != 0) {
                throw new IllegalStateException("guarded child " + i + " ended " + status);
            }
        }
        System.out.println("ok");
    }

    /** {@code seccomp(SECCOMP_SET_MODE_FILTER, TSYNC)}: every thread, and every child, is under the filter. */
    private static void installKillingFilter(LinuxLibC libc) {
        Runtime runtime = Runtime.getSystemRuntime();
        Pointer filter = Memory.allocateDirect(runtime, 4 * 8);
        statement(filter, 0, 0x20, 0, 0, 0);                     // BPF_LD | BPF_W | BPF_ABS: seccomp_data.nr
        statement(filter, 1, 0x35, 0, 1, FIRST_INVALID);         // BPF_JMP | BPF_JGE | BPF_K
        statement(filter, 2, 0x06, 0, 0, 0x8000_0000);           // BPF_RET: SECCOMP_RET_KILL_PROCESS
        statement(filter, 3, 0x06, 0, 0, 0x7fff_0000);           // BPF_RET: SECCOMP_RET_ALLOW
        Pointer program = Memory.allocateDirect(runtime, 16);   // struct sock_fprog
        program.putShort(0, (short) 4);
        program.putAddress(8, filter.address());
        if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc.syscall(SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, program.address(), 0) != 0) {
            throw new IllegalStateException("seccomp filter not installed: errno " + Native.errno());
        }
    }

    /** One {@code struct sock_filter}: {@code u16 code; u8 jt; u8 jf; u32 k}. */
    private static void statement(Pointer filter, int index, int code, int jumpTrue, int jumpFalse, long k) {
        long offset = index * 8L;
        filter.putShort(offset, (short) code);
        filter.putByte(offset + 2, (byte) jumpTrue);
        filter.putByte(offset + 3, (byte) jumpFalse);
        filter.putInt(offset + 4, (int) k);
    }
}
