package io.forkj.multiprocessing.internal;

import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Streams on duplicates of a real pipe's fds: bytes, end of file, EPIPE, and which fds a close closes. */
class FdStreamsTest {
    private final int[] pipe = new int[2];

    @BeforeEach
    void openPipe() {
        assertThat(Native.libc().pipe2(pipe, LinuxLibC.Flags.O_CLOEXEC)).isZero();
    }

    @AfterEach
    void closePipe() {
        for (int fd : pipe) {
            if (fd >= 0) {
                Native.libc().close(fd);
            }
        }
    }

    private static boolean isOpen(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void bytesArriveInOrderAtTheOffsetsAskedFor() throws IOException {
        try (InputStream in = FdStreams.input(pipe[0]); OutputStream out = FdStreams.output(pipe[1])) {
            out.write(200);
            out.write(new byte[] {9, 1, 2, 3, 9}, 1, 3);
            assertThat(in.read()).isEqualTo(200);
            byte[] got = new byte[6];
            assertThat(in.read(got, 2, 4)).isEqualTo(3);
            assertThat(got).containsExactly(0, 0, 1, 2, 3, 0);
            assertThat(in.read(got, 0, 0)).isZero();
        }
    }

    @Test
    void eachStreamHasItsOwnCloseOnExecDuplicateAndClosesOnlyThat() throws IOException {
        int before = Native.libc().fcntl(pipe[0], 1 /* F_GETFD */, 0);
        InputStream in = FdStreams.input(pipe[0]);
        OutputStream out = FdStreams.output(pipe[1]);
        out.write(5);
        in.close();
        out.close();
        assertThat(isOpen(pipe[0])).as("the original read end").isTrue();
        assertThat(isOpen(pipe[1])).as("the original write end").isTrue();
        assertThat(Native.libc().fcntl(pipe[0], 1, 0)).isEqualTo(before);
        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class).hasMessageContaining("closed");
        in.close(); // twice is allowed
    }

    @Test
    void endOfFileOnceEveryWriteEndIsClosed() throws IOException {
        try (InputStream in = FdStreams.input(pipe[0])) {
            try (OutputStream out = FdStreams.output(pipe[1])) {
                out.write(new byte[] {1, 2});
            }
            Native.libc().close(pipe[1]);
            pipe[1] = -1;
            assertThat(in.read(new byte[8], 0, 8)).isEqualTo(2);
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void writingToAPipeNobodyReadsIsAnIoExceptionNamingEpipe() throws IOException {
        Native.libc().close(pipe[0]);
        pipe[0] = -1;
        try (OutputStream out = FdStreams.output(pipe[1])) {
            assertThatThrownBy(() -> out.write(new byte[] {1}, 0, 1)).isInstanceOf(IOException.class)
                    .hasMessageContaining("write(").hasMessageContaining("EPIPE");
        }
    }

    @Test
    void aBadFdIsAnIoExceptionNamingTheCall() {
        assertThatThrownBy(() -> FdStreams.input(99_999)).isInstanceOf(IOException.class)
                .hasMessageContaining("fcntl(99999, F_DUPFD_CLOEXEC)").hasMessageContaining("EBADF");
    }
}
