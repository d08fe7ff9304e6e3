package io.forkj.posix.internal.daemon;

import io.forkj.Errno;
import io.forkj.PosixException;
import io.forkj.posix.DaemonSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The steps as numbers on the readiness pipe and as text in the error a failed start throws. */
class DaemonStepTest {
    private static final DaemonSpec SPEC = DaemonSpec.of("sleep", "60").user(4321, 8765);

    private static PosixException failure(int step, int errno, String program) {
        return DaemonStep.describe(new DaemonStep.Failure(step, errno, SPEC, program, "/var/log/d.log", "/srv/d",
                Optional.of(Path.of("/run/d.pid"))));
    }

    @Test
    void everyStepHasADistinctPositiveNumberThatFitsTheRecordAndComesBack() {
        assertThat(Arrays.stream(DaemonStep.values()).map(step -> step.number)).doesNotHaveDuplicates()
                .allSatisfy(number -> assertThat(number).isPositive());
        for (DaemonStep step : DaemonStep.values()) {
            byte[] record = new byte[8];
            ReadinessPipe.Records records = new ReadinessPipe.Records();
            records.append(record, ReadinessPipe.encodeFailure(record, step, 5));
            assertThat(DaemonStep.of(records.step)).contains(step);
        }
        assertThat(DaemonStep.values()).extracting(step -> step.number)
                .as("numbered in the order the children run them, as before the enum")
                .containsExactly((byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 5, (byte) 6, (byte) 7, (byte) 8,
                        (byte) 9, (byte) 10, (byte) 11, (byte) 12, (byte) 13);
    }

    @Test
    void everyStepsFailureTextNamesItsCallAndTheErrno() {
        for (DaemonStep step : DaemonStep.values()) {
            PosixException e = failure(step.number, Errno.EACCES.number(), "/usr/bin/sleep");
            assertThat(e.getMessage()).as(step.name()).startsWith(step.function + "(")
                    .contains("EACCES (Permission denied)");
            assertThat(e.errno()).isEqualTo(Errno.EACCES.number());
        }
    }

    @Test
    void theCallCarriesTheArgumentsOfTheFailedStart() {
        assertThat(failure(DaemonStep.CHDIR.number, 2, "/bin/x").getMessage())
                .isEqualTo("chdir(/srv/d): ENOENT (No such file or directory)");
        assertThat(failure(DaemonStep.OPEN_OUTPUT.number, 13, "/bin/x").getMessage())
                .startsWith("open(/var/log/d.log, O_WRONLY|O_APPEND|O_CREAT, 0644): EACCES");
        assertThat(failure(DaemonStep.WRITE_PID.number, 28, "/bin/x").getMessage()).startsWith("write(/run/d.pid): ENOSPC");
        assertThat(failure(DaemonStep.SETGROUPS.number, 1, "/bin/x").getMessage()).startsWith("setgroups(1, [8765]): EPERM");
        assertThat(failure(DaemonStep.SETGID.number, 1, "/bin/x").getMessage()).startsWith("setgid(8765): EPERM");
        assertThat(failure(DaemonStep.SETUID.number, 1, "/bin/x").getMessage()).startsWith("setuid(4321): EPERM");
        assertThat(failure(DaemonStep.FORK.number, 11, "/bin/x").getMessage()).startsWith("fork() (second): EAGAIN");
        assertThat(failure(DaemonStep.EXECVE.number, 2, "/no/such").getMessage())
                .isEqualTo("execve(/no/such): ENOENT (No such file or directory)");
    }

    @Test
    void detailsOnlyWhereTheyExplainTheErrno() {
        assertThat(failure(DaemonStep.CLOSE_FDS.number, Errno.ENOSYS.number(), "/bin/x").getMessage())
                .startsWith("close_range(3, ~0U, 0): ENOSYS").contains("close_range needs Linux 5.9 or later");
        assertThat(failure(DaemonStep.CLOSE_FDS.number, Errno.EINVAL.number(), "/bin/x").getMessage())
                .doesNotContain("Linux 5.9");
        assertThat(failure(DaemonStep.EXECVE.number, 2, "no-such-program").getMessage())
                .contains("execve(no-such-program): ENOENT (No such file or directory); not found in the daemon's PATH=");
        assertThat(failure(DaemonStep.EXECVE.number, 2, "/abs/prog").getMessage()).doesNotContain("PATH");
    }

    @Test
    void anUnknownNumberIsReportedAsSuch() {
        assertThat(DaemonStep.of(99)).isEmpty();
        assertThat(DaemonStep.of(0)).isEmpty();
        assertThat(failure(99, 5, "/bin/x").getMessage()).startsWith("step 99: EIO");
    }
}
