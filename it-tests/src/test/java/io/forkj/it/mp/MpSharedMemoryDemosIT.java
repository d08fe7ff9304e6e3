package io.forkj.it.mp;

import io.forkj.it.DemoRun;
import io.forkj.it.Subreaper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared-memory and lock demos run as a user runs them ({@code forkj demo NAME}), their output checked. The
 * test JVM is a subreaper meanwhile, so a process a demo leaked would be adopted here and fail the
 * NoLeftoverChildren check.
 */
@ExtendWith(Subreaper.class)
class MpSharedMemoryDemosIT {

    private static String demo(String name) throws Exception {
        // Up to ten JVMs start at once for one demo: generous on a loaded 2-core machine.
        return DemoRun.out(name, java.time.Duration.ofMinutes(8));
    }

    private static List<String> all(String regex, String text) {
        return DemoRun.all(regex, text);
    }

    @Test
    void printersInterleaveWithoutTheLockAndTakeTurnsWithIt() throws Exception {
        List<String> free = all("(进程\\d) 第", demo("mp-printer"));
        assertThat(free).hasSize(9);
        assertThat(free.subList(0, 3)).as("the first lines of all three come before anyone's second line")
                .containsExactlyInAnyOrder("进程0", "进程1", "进程2");
        List<String> locked = all("(进程\\d) 第", demo("mp-printer-lock"));
        assertThat(locked).hasSize(9);
        for (int block = 0; block < 3; block++) {
            assertThat(locked.subList(3 * block, 3 * block + 3)).as("each process prints its three lines together")
                    .containsOnly(locked.get(3 * block));
        }
    }

    @Test
    void oneTicketIsSoldTenTimesWithoutTheLockAndOnceWithIt() throws Exception {
        String free = demo("mp-ticket");
        assertThat(all("<(路人\\d)> 购票成功", free)).hasSize(10);
        assertThat(all("<(路人\\d)> 查看到剩余票数\\[1\\]", free)).hasSize(10);
        assertThat(free).contains("one ticket, sold 10 time(s)");
        String locked = demo("mp-ticket-lock");
        assertThat(all("<(路人\\d)> 购票成功", locked)).hasSize(1);
        assertThat(locked).contains("one ticket, sold 1 time(s); db.txt now says {\"count\": 0}");
    }

    @Test
    void theBankBalanceIsExactWithTheLockAndWithAtomics() throws Exception {
        String out = demo("mp-value");
        assertThat(out).contains("一月余额 with getLock(): 5000 ").contains("一月余额 with atomic getAndAdd, no lock: 5000 ");
        assertThat(out).containsPattern("一月余额 without getLock\\(\\): -?\\d+ ");
    }

    @Test
    void theParentSeesTheChildsArrayChanges() throws Exception {
        String out = demo("mp-array");
        assertThat(out).contains("b'Hello'").contains("Array('i'): [100, 2, 3]").contains("child sees 104");
    }

    @Test
    void atMostThreeWorkAtOnceUnderSemaphore3() throws Exception {
        String out = demo("mp-semaphore");
        assertThat(all("(\\d+) 执行任务", out)).hasSize(5);
        assertThat(all("(\\d+) 执行完成", out)).hasSize(5);
        assertThat(out).contains("at most 3 worked at once; sem.getValue() = 3");
        List<String> lines = out.lines().filter(l -> l.matches("\\d+ 执行(任务|完成)")).toList();
        assertThat(lines).hasSize(10);
        int working = 0;
        for (String line : lines) {
            working += line.contains("执行任务") ? 1 : -1;
            assertThat(working).as("working at once after: " + line).isBetween(0, 3);
        }
    }

    @Test
    void aKilledHolderIsReportedAndTheLockWorksAgain() throws Exception {
        String out = demo("mp-dead-holder");
        String pid = all("holder (\\d+) took the lock", out).get(0);
        assertThat(out).contains("holder " + pid + " killed, exit code -9")
                .contains("its holder, pid " + pid + ", died while holding it")
                .contains("acquired again: true");
    }
}
