package io.forkj.it.mp;

import io.forkj.it.Subreaper;
import io.forkj.it.DemoRun;
import org.junit.jupiter.api.extension.ExtendWith;
import io.forkj.it.Cli;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The process demos of the multiprocessing lessons run as a user runs them ({@code forkj demo NAME}), each
 * checked for what it demonstrates. The test JVM is a subreaper while they run, so a child a demo leaked is
 * adopted here and fails the NoLeftoverChildren check.
 */
@ExtendWith(Subreaper.class)
class MpProcessDemosIT {
    private static String demo(String name) throws Exception {
        return DemoRun.out(name, Duration.ofMinutes(4));
    }

    private static List<String> lines(String out) {
        return out.lines().toList();
    }

    @Test
    void mpProcessPrintsMainFirstThenTheChild() throws Exception {
        List<String> l = lines(demo("mp-process"));
        assertThat(l).containsSubsequence("主", "子进程1 is running", "子进程1 is done");
        assertThat(l).anyMatch(s -> s.matches("\\(子进程 \\d+ exit code 0, start method SPAWN\\)"));
    }

    @Test
    void mpSubclassRunsItsOwnRun() throws Exception {
        assertThat(lines(demo("mp-subclass"))).containsSubsequence("主", "子进程 is running", "子进程 is done");
    }

    @Test
    void mpJoinShowsTheParentIdAndConcurrencyBeatsSerial() throws Exception {
        String out = demo("mp-join");
        String parent = out.lines().filter(s -> s.startsWith("主进程 ") && s.contains("parent ID")).findFirst().orElseThrow()
                .split(" ")[1];
        assertThat(out).containsPattern("\\d+ is running, parent id is <" + parent + ">")
                .containsPattern("\\d+ is done, parent id is <" + parent + ">");
        assertThat(out).containsPattern("并发 \\(start all, then join all\\): 主进程 \\d+\\.\\d\\d s")
                .containsPattern("串行 \\(start, join, one by one\\): 主进程 \\d+\\.\\d\\d s");
    }

    @Test
    void mpTerminateEndsWithMinus15() throws Exception {
        List<String> l = lines(demo("mp-terminate"));
        assertThat(l).containsSubsequence("开始", "false", "exit code -15");
        assertThat(l).doesNotContain("egon1 is piao end");
    }

    @Test
    void mpDaemonIsTerminatedAtNormalExitAndAtSigkill() throws Exception {
        String out = demo("mp-daemon");
        assertThat(lines(out)).contains("main-------", "456", "end456").doesNotContain("end123");
        assertThat(out).containsPattern("daemon \\d+ after its parent was SIGKILLed: gone");
    }

    @Test
    void mpDaemonChildrenIsRefused() throws Exception {
        Cli.Result r = Cli.run(Duration.ofMinutes(4), "demo", "mp-daemon-children");
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        assertThat(r.err()).contains("Process Process-1:")
                .contains("java.lang.IllegalStateException: daemonic processes are not allowed to have children");
        assertThat(r.out()).contains("子进程 is running").contains("主进程: the daemon child exited with 1");
    }

    @Test
    void mpCopyLeavesTheParentsVariableAlone() throws Exception {
        String out = demo("mp-copy");
        assertThat(lines(out)).containsSubsequence("a = 10000", "这是父进程", "parent a: 1");
        assertThat(out).containsPattern("子进程事件 \\d+");
    }

    @Test
    void mpStartMethodsRunsTheTargetUnderEachMethod() throws Exception {
        String out = demo("mp-start-methods");
        for (String m : List.of("fork", "spawn", "standby")) {
            assertThat(out).containsPattern("hello from " + m + "-child \\(pid \\d+, parent \\d+\\)");
        }
        for (String m : List.of("FORK", "SPAWN", "STANDBY")) {
            assertThat(out).containsPattern(m + " +start\\(\\) +\\d+\\.\\d ms, start to exit +\\d+\\.\\d ms, exit code 0");
        }
    }

    @Test
    void mpForkSnapshotSeesTheListAsItWasAtStart() throws Exception {
        List<String> l = lines(demo("mp-fork-snapshot"));
        assertThat(l).containsSubsequence("child: []", "parent: []   # []", "child: [123]   # [123]", "child: []   # []",
                "parent: [123]");
    }

    @Test
    void mpForkBufferWritesTheUnflushedTextTwice() throws Exception {
        String out = demo("mp-fork-buffer");
        assertThat(out).contains("no flush before start(): x1.txt = [武沛齐, alex, 武沛齐]")
                .contains("flush() before start(): x2.txt = [武沛齐, alex]");
    }

    @Test
    void mpForkLockIsHeldInTheChild() throws Exception {
        String out = demo("mp-fork-lock");
        assertThat(out).contains("child: locked=true heldByMe=true holdCount=1")
                .contains("child: locked=true tryLock(200 ms) -> false");
    }

    @Test
    void mpSpawnRefusalNamesTheFileAndTheLock() throws Exception {
        String out = demo("mp-spawn-refusal");
        assertThat(out).contains("file object: cannot pass Process-1 to a child process: java.io.FileWriter is not serializable")
                .contains("thread lock: cannot pass Process-2 to a child process: java.util.concurrent.locks.ReentrantLock is a thread lock");
    }
}
