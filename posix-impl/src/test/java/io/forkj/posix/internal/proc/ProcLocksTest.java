package io.forkj.posix.internal.proc;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** /proc/locks parsing on text captured from a real kernel (6.18, flock(1) and a blocked waiter). */
class ProcLocksTest {
    /** Captured with {@code cat /proc/locks} while {@code flock /tmp/x.lock sleep 2} ran, plus a waiter line. */
    private static final String CAPTURED = """
            1: FLOCK  ADVISORY  WRITE 29325 fe:00:2154505 0 EOF
            2: FLOCK  ADVISORY  WRITE 30287 fe:00:2146818 0 EOF
            2: -> FLOCK  ADVISORY  WRITE 30290 fe:00:2146999 0 EOF
            3: POSIX  ADVISORY  READ 1042 00:2a:77 0 EOF
            """;
    /** {@code stat -c %d /tmp/x.lock} printed 65024: major 0xfe, minor 0. */
    private static final long ROOT_DEV = 65024;

    @Test
    void findsAHeldLockByDeviceAndInode() {
        assertThat(ProcLocks.isLocked(CAPTURED, ROOT_DEV, 2146818)).isTrue();
        assertThat(ProcLocks.isLocked(CAPTURED, ROOT_DEV, 2154505)).isTrue();
        assertThat(ProcLocks.isLocked(CAPTURED, 0x2a, 77)).as("tmpfs 00:2a, a POSIX lock").isTrue();
    }

    @Test
    void aWaiterIsNotAHolderAndOtherFilesDoNotMatch() {
        assertThat(ProcLocks.isLocked(CAPTURED, ROOT_DEV, 2146999)).as("only waiting ('->')").isFalse();
        assertThat(ProcLocks.isLocked(CAPTURED, ROOT_DEV, 77)).as("same inode, other device").isFalse();
        assertThat(ProcLocks.isLocked("", ROOT_DEV, 2146818)).isFalse();
    }

    @Test
    void glibcMajorMinorSplitLargeDeviceNumbers() {
        assertThat(ProcLocks.major(ROOT_DEV)).isEqualTo(0xfe);
        assertThat(ProcLocks.minor(ROOT_DEV)).isZero();
        // makedev(259, 0x12345) as glibc encodes it
        long big = ((259L & 0xfff) << 8) | ((259L & ~0xfffL) << 32) | (0x12345L & 0xff) | ((0x12345L & ~0xffL) << 12);
        assertThat(ProcLocks.major(big)).isEqualTo(259);
        assertThat(ProcLocks.minor(big)).isEqualTo(0x12345);
    }

    @Test
    void aMalformedLineIsRefusedQuotingIt() {
        assertThatThrownBy(() -> ProcLocks.isLocked("1: FLOCK ADVISORY\n", ROOT_DEV, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a locks line of proc: '1: FLOCK ADVISORY'");
    }
}
