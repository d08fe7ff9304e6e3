package io.forkj.posix.internal.daemon;

import io.forkj.posix.DaemonException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The readiness records: what the children encode is what the launcher decodes, however the pipe splits it. */
class ReadinessPipeTest {
    /** pid, about-to-execve, then execve's failure: the longest sequence a grandchild writes. */
    private static byte[] pidExecFailure(int pid, DaemonStep step, int errno) {
        byte[] out = new byte[ReadinessPipe.CAPACITY];
        byte[] record = new byte[8];
        int length = 0;
        for (int i = 0; i < 3; i++) {
            int n = i == 0 ? ReadinessPipe.encodePid(record, pid)
                    : i == 1 ? ReadinessPipe.encodeExec(record) : ReadinessPipe.encodeFailure(record, step, errno);
            System.arraycopy(record, 0, out, length, n);
            length += n;
        }
        return Arrays.copyOf(out, length);
    }

    private static ReadinessPipe.Records read(byte[] bytes, int... chunkLengths) {
        ReadinessPipe.Records records = new ReadinessPipe.Records();
        int at = 0;
        for (int n : chunkLengths) {
            assertThat(records.append(Arrays.copyOfRange(bytes, at, at + n), n)).isTrue();
            at += n;
        }
        return records;
    }

    @Test
    void recordsHaveTheirDocumentedLayout() {
        byte[] record = new byte[8];
        assertThat(ReadinessPipe.encodePid(record, 0x01020304)).isEqualTo(5);
        assertThat(Arrays.copyOf(record, 5)).containsExactly('P', 1, 2, 3, 4);
        assertThat(ReadinessPipe.encodeExec(record)).isEqualTo(1);
        assertThat(record[0]).isEqualTo((byte) 'X');
        assertThat(ReadinessPipe.encodeFailure(record, DaemonStep.CHDIR, 2)).isEqualTo(6);
        assertThat(Arrays.copyOf(record, 6)).containsExactly('E', 7, 0, 0, 0, 2);
    }

    @Test
    void decodesEveryRecordWrittenInOneRead() {
        byte[] bytes = pidExecFailure(4_000_123, DaemonStep.EXECVE, 2);
        ReadinessPipe.Records records = read(bytes, bytes.length);
        records.closed();
        assertThat(records.pid).isEqualTo(4_000_123);
        assertThat(records.execing).isTrue();
        assertThat(records.failed).isTrue();
        assertThat(records.step).isEqualTo(DaemonStep.EXECVE.number);
        assertThat(records.errno).isEqualTo(2);
    }

    @Test
    void aPidAndExecWithoutFailureIsAReadyDaemon() {
        byte[] bytes = Arrays.copyOf(pidExecFailure(77, DaemonStep.EXECVE, 2), 6);
        ReadinessPipe.Records records = read(bytes, 6);
        records.closed();
        assertThat(records.pid).isEqualTo(77);
        assertThat(records.execing).isTrue();
        assertThat(records.failed).isFalse();
    }

    @Test
    void recordsSplitAcrossReadsAreDecodedOnceComplete() {
        byte[] bytes = pidExecFailure(65_536, DaemonStep.SETUID, 1);
        // byte by byte: each partial record waits for the rest
        ReadinessPipe.Records records = new ReadinessPipe.Records();
        for (int i = 0; i < bytes.length; i++) {
            assertThat(records.append(new byte[] {bytes[i]}, 1)).isTrue();
            assertThat(records.pid).as("after %d bytes", i + 1).isEqualTo(i + 1 >= 5 ? 65_536 : 0);
            assertThat(records.execing).as("after %d bytes", i + 1).isEqualTo(i + 1 >= 6);
            assertThat(records.failed).as("after %d bytes", i + 1).isEqualTo(i + 1 == bytes.length);
        }
        records.closed();
        assertThat(records.step).isEqualTo(DaemonStep.SETUID.number);
        assertThat(records.errno).isEqualTo(1);
        // and cut inside the failure record's errno
        ReadinessPipe.Records split = read(bytes, 3, 6, bytes.length - 9);
        assertThat(split.errno).isEqualTo(1);
    }

    @Test
    void aFailureWithoutPidIsTheFirstChildsAndNegativeErrnoBitsSurvive() {
        byte[] record = new byte[8];
        int n = ReadinessPipe.encodeFailure(record, DaemonStep.SETSID, -1);
        ReadinessPipe.Records records = read(record, n);
        records.closed();
        assertThat(records.pid).isZero();
        assertThat(records.failed).isTrue();
        assertThat(records.step).isEqualTo(DaemonStep.SETSID.number);
        assertThat(records.errno).isEqualTo(-1);
    }

    @Test
    void aPartialRecordAtEofIsUnreadable() {
        byte[] bytes = pidExecFailure(42, DaemonStep.EXECVE, 2);
        for (int cut : new int[] {1, 3, 7, bytes.length - 1}) {
            ReadinessPipe.Records records = read(bytes, cut);
            assertThatThrownBy(records::closed).as("cut after %d bytes", cut).isInstanceOf(DaemonException.class)
                    .hasMessage("unreadable readiness record from the daemon: " + cut + " bytes");
        }
    }

    @Test
    void aByteThatStartsNoRecordIsUnreadableAtOnce() {
        for (byte garbage : new byte[] {0, 'p', 'x', (byte) 0xff, '\n'}) {
            ReadinessPipe.Records records = new ReadinessPipe.Records();
            assertThatThrownBy(() -> records.append(new byte[] {garbage, 'P', 0, 0, 0, 1}, 6))
                    .as("leading byte %d", garbage).isInstanceOf(DaemonException.class)
                    .hasMessage("unreadable readiness record from the daemon: 6 bytes");
        }
        byte[] pidThenGarbage = {'P', 0, 0, 0, 9, 'Z'};
        assertThatThrownBy(() -> read(pidThenGarbage, 6)).isInstanceOf(DaemonException.class)
                .hasMessage("unreadable readiness record from the daemon: 6 bytes");
    }

    @Test
    void moreThanAnyRecordsHoldIsRefusedNotOverrun() {
        ReadinessPipe.Records records = new ReadinessPipe.Records();
        byte[] execs = new byte[ReadinessPipe.CAPACITY];
        Arrays.fill(execs, ReadinessPipe.EXEC_RECORD);
        assertThat(records.append(execs, execs.length)).isTrue();
        assertThat(records.append(new byte[] {ReadinessPipe.EXEC_RECORD}, 1)).isFalse();
        records.closed();
        assertThat(records.execing).isTrue();
    }
}
