package io.forkj;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ErrnoTest {
    @Test
    void namesAndNumbersAreLinux() {
        assertThat(Errno.ECHILD.number()).isEqualTo(10);
        assertThat(Errno.EAGAIN.number()).isEqualTo(11);
        assertThat(Errno.ESRCH.number()).isEqualTo(3);
        assertThat(Errno.nameOf(10)).isEqualTo("ECHILD");
        assertThat(Errno.nameOf(9999)).isEqualTo("errno 9999");
        assertThat(Errno.of(0)).isEmpty();
    }

    @Test
    void posixExceptionMessageNamesCallErrnoAndDescription() {
        PosixException e = new PosixException("waitpid(4242, 0)", 10);
        assertThat(e.getMessage()).isEqualTo("waitpid(4242, 0): ECHILD (No child processes)");
        assertThat(e.errno()).isEqualTo(10);
        assertThat(e.errnoName()).isEqualTo("ECHILD");
        assertThat(e.error()).contains(Errno.ECHILD);
        assertThat(e.call()).isEqualTo("waitpid(4242, 0)");
    }
}
