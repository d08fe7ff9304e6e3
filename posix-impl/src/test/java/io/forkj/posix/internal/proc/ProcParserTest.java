package io.forkj.posix.internal.proc;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ProcParser on /proc/PID/stat lines captured from real processes (src/test/resources/proc). */
class ProcParserTest {

    static String fixture(String name) throws IOException {
        try (InputStream in = ProcParserTest.class.getResourceAsStream("/proc/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void nameWithSpacesAndCloseOpenParenthesesEndsAtTheLastParenthesis() throws IOException {
        StatLine s = ProcParser.stat(fixture("stat-paren-space.txt"));
        assertThat(s.pid()).isEqualTo(4100);
        assertThat(s.comm()).isEqualTo("a b) (c");
        assertThat(s.state()).isEqualTo('S');
        assertThat(s.ppid()).isEqualTo(1);
        assertThat(s.pgrp()).isEqualTo(4092);
        assertThat(s.session()).isEqualTo(1082);
        assertThat(s.ttyNr()).isZero();
        assertThat(s.tpgid()).isEqualTo(-1);
        assertThat(s.numThreads()).isEqualTo(1);
        assertThat(s.startTime()).isEqualTo(100924);
        assertThat(s.nice()).isZero();
    }

    @Test
    void mapsGivesEveryMappingWithItsAddressesSharingAndPath() throws IOException {
        List<Mapping> maps = ProcParser.maps(fixture("maps-zgc-jdk17.txt"));
        assertThat(maps).hasSize(200);
        assertThat(maps).filteredOn(m -> m.path().equals("/memfd:java_heap (deleted)")).hasSize(3)
                .allMatch(Mapping::shared).allMatch(Mapping::writable).first()
                .isEqualTo(new Mapping(0x40000000000L, 0x40017a00000L, "rw-s", 0, "/memfd:java_heap (deleted)"));
        Mapping libjvmText = maps.stream().filter(m -> m.path().endsWith("/libjvm.so") && m.perms().equals("r-xp"))
                .findFirst().orElseThrow();
        assertThat(libjvmText.shared()).isFalse();
        assertThat(libjvmText.writable()).isFalse();
        assertThat(libjvmText.offset()).isPositive();
        assertThat(maps).filteredOn(m -> m.path().isEmpty()).isNotEmpty(); // anonymous mappings
        assertThatThrownBy(() -> ProcParser.maps("not a mapping")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'not a mapping'");
    }

    @Test
    void nameWithANewline() throws IOException {
        StatLine s = ProcParser.stat(fixture("stat-newline.txt"));
        assertThat(s.pid()).isEqualTo(4103);
        assertThat(s.comm()).isEqualTo("x\ny");
        assertThat(s.state()).isEqualTo('S');
        assertThat(s.startTime()).isEqualTo(100924);
    }

    @Test
    void initWithParentZero() throws IOException {
        StatLine s = ProcParser.stat(fixture("stat-init.txt"));
        assertThat(s.pid()).isEqualTo(1);
        assertThat(s.comm()).isEqualTo("process_api");
        assertThat(s.ppid()).isZero();
        assertThat(s.numThreads()).isEqualTo(13);
    }

    @Test
    void garbageIsRefusedQuotingIt() {
        assertThatThrownBy(() -> ProcParser.stat("hello")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hello");
        assertThatThrownBy(() -> ProcParser.stat("12 (x) S 1 2")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ends early");
        assertThatThrownBy(() -> ProcParser.parseLong("12a")).hasMessageContaining("12a");
        assertThat(ProcParser.parseLong(" -17 ")).isEqualTo(-17);
        assertThat(ProcParser.parseLong("18446744073709551615")).isEqualTo(Long.MAX_VALUE);
    }

    static byte[] bytes(String name) throws IOException {
        try (InputStream in = ProcParserTest.class.getResourceAsStream("/proc/" + name)) {
            return in.readAllBytes();
        }
    }

    /** Each stat-NAME.txt was captured together with `ps -o stat= -p PID` for the same process (stat-NAME.ps). */
    @Test
    void psStatMatchesWhatPsPrintedForTheSameProcess() throws IOException {
        for (String name : List.of("foreground-nice", "idle-highprio", "kthread", "negative-nice", "threads", "zombie")) {
            StatLine s = ProcParser.stat(fixture("stat-" + name + ".txt"));
            assertThat(ProcParser.psStat(s, 0)).as(name).isEqualTo(fixture("stat-" + name + ".ps").trim());
        }
        StatLine locked = ProcParser.stat(fixture("stat-locked.txt"));
        StatusFields status = ProcParser.status(fixture("status-locked.txt"));
        assertThat(status.lockedKb()).isEqualTo(8);
        assertThat(ProcParser.psStat(locked, status.lockedKb())).isEqualTo(fixture("stat-locked.ps").trim()).isEqualTo("SL");
    }

    @Test
    void psStatModifiersFollowProcpsOrder() throws IOException {
        StatLine fg = ProcParser.stat(fixture("stat-foreground-nice.txt"));
        assertThat(fg.nice()).isEqualTo(5);
        assertThat(fg.session()).isEqualTo(fg.pid());
        assertThat(fg.pgrp()).isEqualTo(fg.tpgid());
        assertThat(ProcParser.psStat(fg, 0)).isEqualTo("SNs+");
        assertThat(ProcParser.psStat(fg, 4)).isEqualTo("SNLs+");
        assertThat(ProcParser.psStat(fg, 0)).isSameAs(ProcParser.psStat(fg, 0));
        assertThat(ProcParser.stat(fixture("stat-negative-nice.txt")).nice()).isEqualTo(-5);
        assertThat(ProcParser.stat(fixture("stat-zombie.txt")).state()).isEqualTo('Z');
    }

    @Test
    void statusGivesRealUidAndLockedMemoryWhichKernelThreadsAndZombiesLack() throws IOException {
        assertThat(ProcParser.status(fixture("status-kthread.txt"))).isEqualTo(new StatusFields(0, 0));
        assertThat(ProcParser.status(fixture("status-zombie.txt"))).isEqualTo(new StatusFields(0, 0));
        assertThat(ProcParser.status("Name:\tx\nUid:\t1000\t1001\t1002\t1003\nVmLck:\t  12 kB\n"))
                .isEqualTo(new StatusFields(1000, 12));
        assertThatThrownBy(() -> ProcParser.status("Name:\tx\n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Uid:");
    }

    @Test
    void cmdlineSplitsOnNulAndIsEmptyForZombies() throws IOException {
        byte[] sleep = bytes("cmdline-sleep.txt");
        assertThat(ProcParser.cmdline(sleep, sleep.length)).containsExactly("sleep", "20");
        byte[] zombie = bytes("cmdline-zombie.txt");
        assertThat(ProcParser.cmdline(zombie, zombie.length)).isEmpty();
        byte[] retitled = "nginx: worker process".getBytes(StandardCharsets.UTF_8);
        assertThat(ProcParser.cmdline(retitled, retitled.length)).containsExactly("nginx: worker process");
        byte[] emptyArg = "a\0\0b\0".getBytes(StandardCharsets.UTF_8);
        assertThat(ProcParser.cmdline(emptyArg, emptyArg.length)).containsExactly("a", "", "b");
    }

    @Test
    void schedstatFirstFieldIsNanosecondsOnCpu() {
        byte[] b = "123456789 2000 7\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(ProcParser.schedstatCpuNanos(b, b.length)).isEqualTo(123456789L);
    }

    @Test
    void bytesAndTextParseTheSame() throws IOException {
        byte[] b = bytes("stat-paren-space.txt");
        assertThat(ProcParser.stat(b, b.length)).isEqualTo(ProcParser.stat(fixture("stat-paren-space.txt")));
    }

    @Test
    void aSyscallLineGivesTheNumberAndEveryArgument() throws IOException {
        // a shell blocked in wait(): wait4(-1, ...), captured on x86_64
        long[] call = ProcParser.syscall(fixture("syscall-wait4-any.txt"));
        assertThat(call).hasSize(9);
        assertThat(call[0]).isEqualTo(61);
        assertThat((int) call[1]).isEqualTo(-1);
        assertThat(call[3]).isZero();
        assertThat(call[8]).isEqualTo(0x7f0131336bd3L);
        assertThat(ProcParser.syscall(fixture("syscall-nanosleep.txt"))[0]).as("clock_nanosleep").isEqualTo(230);
    }

    @Test
    void aThreadInNoSystemCallGivesNoCall() {
        assertThat(ProcParser.syscall("running\n")).isEmpty();
        assertThat(ProcParser.syscall("-1 0x7ffd5e3c1a48 0x55d0c0a0e1f0\n")).isEmpty();
        assertThat(ProcParser.syscall("")).isEmpty();
        assertThatThrownBy(() -> ProcParser.syscall("61 0xzz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0xzz");
    }

    @Test
    void aChildrenFileGivesItsPids() throws IOException {
        String text = fixture("children-two.txt");
        List<Integer> pids = ProcParser.pidList(text);
        assertThat(pids).hasSize(2);
        assertThat(pids.get(0) + " " + pids.get(1) + " ").isEqualTo(text);
        assertThat(ProcParser.pidList("")).isEmpty();
        assertThatThrownBy(() -> ProcParser.pidList("12 x3 ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void statusValuesAndBtimeComeFromTheirLines() throws IOException {
        String status = fixture("status-shell.txt");
        assertThat(ProcParser.statusValue(status, "Umask")).isEqualTo("0022");
        assertThat(Long.parseUnsignedLong(ProcParser.statusValue(status, "SigIgn"), 16)).isEqualTo(4);
        assertThat(ProcParser.statusValue(status, "NoSuchKey")).isNull();
        assertThat(ProcParser.bootTime(fixture("stat-system.txt"), "stat-system.txt")).isEqualTo(1795695753L);
    }

    @Test
    void aProcEntryNamesAPidOnlyWhenItIsAllDigits() {
        assertThat(ProcParser.pidOfEntry("1")).isEqualTo(1);
        assertThat(ProcParser.pidOfEntry("4194304")).isEqualTo(4194304);
        assertThat(ProcParser.pidOfEntry("self")).isEqualTo(-1);
        assertThat(ProcParser.pidOfEntry("12a")).isEqualTo(-1);
        assertThat(ProcParser.pidOfEntry("")).isEqualTo(-1);
        assertThat(ProcParser.pidOfEntry("99999999999")).isEqualTo(-1);
    }

    @Test
    void aKernelThreadIsKnownByPfKthreadInItsStatFlags() throws IOException {
        // Captured: kthreadd's stat (flags 0x208040) and its status (Uid 0, no VmLck), which the snapshot skips.
        assertThat(ProcParser.stat(fixture("stat-kthread.txt")).isKernelThread()).isTrue();
        assertThat(ProcParser.status(fixture("status-kthread.txt"))).isEqualTo(new StatusFields(0, 0));
        for (String userProcess : List.of("init", "zombie", "locked", "threads")) {
            assertThat(ProcParser.stat(fixture("stat-" + userProcess + ".txt")).isKernelThread()).as(userProcess).isFalse();
        }
    }
}
