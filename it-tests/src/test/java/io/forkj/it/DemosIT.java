package io.forkj.it;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every demo run as a user runs it ({@code java -jar forkj.jar demo NAME}), its output checked for the fact it
 * demonstrates. The test JVM is a subreaper while these run, so anything a demo leaked (an orphan or a zombie
 * of the demo JVM) is adopted here and fails the NoLeftoverChildren check.
 */
@ExtendWith(Subreaper.class)
class DemosIT {
    private static Cli.Result demo(String name) throws Exception {
        return DemoRun.run(name, java.time.Duration.ofMinutes(2));
    }

    private static List<String> all(Pattern p, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = p.matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    @Test
    void forkBasicFinishesTwiceOncePerProcess() throws Exception {
        String out = demo("fork-basic").out();
        assertThat(all(Pattern.compile("程序执行完毕 \\((child|parent)"), out)).containsExactlyInAnyOrder("child", "parent");
        assertThat(out).contains("新进程创建成功").contains("原来的进程");
    }

    @Test
    void forkVariablesChildChangeIsInvisibleToTheParent() throws Exception {
        String out = demo("fork-variables").out();
        assertThat(out).contains("a =  1\n").contains("a =  10000\n").contains("parent a :  1\n");
    }

    @Test
    void pidsAgreeFromBothSides() throws Exception {
        String out = demo("pids").out();
        assertThat(all(Pattern.compile("Child PID: (\\d+)"), out)).isEqualTo(all(Pattern.compile("Get child PID: (\\d+)"), out)).hasSize(1);
        assertThat(all(Pattern.compile("Get parent PID: (\\d+)"), out)).isEqualTo(all(Pattern.compile("\nParent PID: (\\d+)"), out)).hasSize(1);
    }

    @Test
    void exitStatusDecodesEveryCode() throws Exception {
        String out = demo("exit-status").out();
        assertThat(all(Pattern.compile("_exit\\((\\d+)\\): Exited\\[pid=\\d+, code=\\1\\]"), out)).containsExactly("0", "1", "42", "255");
    }

    @Test
    void systemExitRunsHooksAndUnderscoreExitDoesNot() throws Exception {
        String out = demo("exit-vs-_exit").out();
        assertThat(all(Pattern.compile("(shutdown hook ran)"), out)).hasSize(1);
        assertThat(out).contains("exit code seen by the parent: 3").contains("exit code seen by the parent: 4");
    }

    @Test
    void orphanIsAdoptedByTheSubreaper() throws Exception {
        String out = demo("orphan").out();
        List<String> ppids = all(Pattern.compile("getppid\\(\\) = (\\d+)"), out);
        List<String> childPid = all(Pattern.compile("\nchild (\\d+): forking a grandchild"), out);
        List<String> forkedBy = all(Pattern.compile("forked by child (\\d+)"), out);
        List<String> jvm = all(Pattern.compile("this JVM (\\d+) is now a child subreaper"), out);
        assertThat(childPid).hasSize(1);
        assertThat(forkedBy).isEqualTo(childPid);
        assertThat(ppids).hasSize(2);
        assertThat(ppids.get(0)).isIn(childPid.get(0), jvm.get(0));
        assertThat(ppids.get(1)).isEqualTo(jvm.get(0)).isNotEqualTo(childPid.get(0));
        assertThat(out).contains("(its parent died: adopted, an orphan)");
    }

    @Test
    void zombieShowsZUntilReaped() throws Exception {
        String out = demo("zombie").out();
        String pid = all(Pattern.compile("child (\\d+) exits at once"), out).get(0);
        List<String> psRows = all(Pattern.compile("\\$ +(" + pid + " .*)"), out);
        assertThat(psRows).hasSize(1);
        assertThat(psRows.get(0).split("\\s+")[2]).startsWith("Z");
        assertThat(out).contains("child " + pid + ": gone");
    }

    @Test
    void waitReturnsTheChildAndItsStatus() throws Exception {
        String out = demo("wait").out();
        assertThat(all(Pattern.compile("pid :  (\\d+)"), out)).isEqualTo(all(Pattern.compile("Child process (\\d+)"), out)).hasSize(1);
        assertThat(out).contains("status:  1");
    }

    @Test
    void doubleForkDoesBothThings() throws Exception {
        String out = demo("double-fork").out();
        assertThat(out).contains("第一件事情").contains("第二件事情");
    }

    @Test
    void sigchldIgnoredLeavesNoZombieAndWaitFailsWithEchild() throws Exception {
        String out = demo("sigchld-ignore").out();
        assertThat(out).contains("zombies among them: 0").contains("ECHILD");
    }

    @Test
    void processStatesShowsRunningStoppedZombieAndSleeping() throws Exception {
        String out = demo("process-states").out();
        for (String expected : new String[] {"busy loop \\(yes\\) \\d+: R", "stopped by SIGSTOP \\d+: T", "exited, not yet reaped \\d+: Z",
                "sleeping in nanosleep \\d+: S"}) {
            assertThat(Pattern.compile(expected).matcher(out).find()).as("%s in%n%s", expected, out).isTrue();
        }
    }

    @Test
    void tourRunsEveryDemoAsTheFirstCommand() throws Exception {
        // The tour starts a JVM per demo: 75-85 s on an idle 2-core machine, and past 2 minutes beside a loaded
        // one. The deadline only guards against a hang.
        Cli.Result r = Cli.run(java.time.Duration.ofMinutes(10), "tour");
        assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
        for (String name : new String[] {"fork-basic", "fork-variables", "pids", "exit-status", "exit-vs-_exit", "orphan",
                "zombie", "wait", "double-fork", "sigchld-ignore", "process-states"}) {
            assertThat(r.out()).contains("== " + name + "\n");
        }
        assertThat(r.out()).contains("every demo showed what it set out to show");
    }
}
