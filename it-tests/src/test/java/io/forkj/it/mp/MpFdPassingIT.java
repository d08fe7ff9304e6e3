package io.forkj.it.mp;

import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.internal.FdExport;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ObjectStreamException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The FdExport contract end to end: a resource whose writeReplace exports its fd reaches a SPAWN child under the
 * same number (passFds) and a standby child under the number SCM_RIGHTS gave it (installImports), and a FORK
 * child simply inherits it. The child writes through the fd; the parent reads what it wrote.
 */
class MpFdPassingIT {
    private static final int O_CLOEXEC = 0x80000;

    @AfterAll
    static void stopStandby() {
        Multiprocessing.shutdownStandby();
    }

    /** A stand-in for a forkj resource: an fd, serialized as a handle naming it. */
    static final class WriteEnd implements Serializable {
        private static final long serialVersionUID = 1L;
        final transient int fd;

        WriteEnd(int fd) {
            this.fd = fd;
        }

        private Object writeReplace() throws ObjectStreamException {
            return new Handle(FdExport.export(fd, "test pipe"));
        }
    }

    /** What crosses: the exported number, re-attached to the local fd in the child. */
    static final class Handle implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int exported;

        Handle(int exported) {
            this.exported = exported;
        }

        private Object readResolve() {
            return new WriteEnd(FdExport.imported(exported));
        }
    }

    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void anExportedFdReachesTheChildAndWorksThere(StartMethod method) throws Exception {
        int[] pipe = new int[2];
        assertThat(Native.libc().pipe2(pipe, O_CLOEXEC)).isZero();
        try {
            WriteEnd end = new WriteEnd(pipe[1]);
            byte[] message = "fd-ok".getBytes(StandardCharsets.UTF_8);
            MpProcess p = Multiprocessing.getContext(method).process(() -> {
                long n = Native.posix().write(end.fd, message, message.length);
                if (n != message.length) {
                    throw new io.forkj.multiprocessing.SystemExit(9);
                }
            });
            p.start();
            assertThat(p.join(Duration.ofMinutes(2))).isTrue();
            assertThat(p.exitCode()).hasValue(0);
            Native.posix().close(pipe[1]);
            pipe[1] = -1;
            byte[] got = new byte[64];
            long n = Native.posix().read(pipe[0], got, got.length);
            assertThat(new String(got, 0, (int) Math.max(0, n), StandardCharsets.UTF_8)).isEqualTo("fd-ok");
        } finally {
            Native.posix().close(pipe[0]);
            if (pipe[1] >= 0) {
                Native.posix().close(pipe[1]);
            }
        }
    }
}
