package io.forkj.it.mp;

import io.forkj.it.Subreaper;
import io.forkj.it.DemoRun;
import org.junit.jupiter.api.extension.ExtendWith;
import io.forkj.it.Cli;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queue, pool, executor and manager demos run as a user runs them ({@code java -jar forkj.jar demo NAME}),
 * their output checked for the fact each demonstrates. The test JVM is a subreaper meanwhile, so a process a demo
 * leaked would be adopted here and fail the NoLeftoverChildren check.
 */
@ExtendWith(Subreaper.class)
class MpQueueDemosIT {
    private static String demo(String name) throws Exception {
        io.forkj.it.Cli.Result r = DemoRun.run(name, Duration.ofSeconds(240));
        assertThat(r.err()).as("stderr of demo %s", name).doesNotContain("Exception");
        return r.out();
    }

    private static List<String> all(String regex, String text) {
        return DemoRun.all(regex, text);
    }

    @Test
    void queueOfThreeIsFullThenEmpty() throws Exception {
        assertThat(demo("mp-queue")).contains("true\nhello\n{a=1}\n[3, 3, 3]\ntrue\n");
    }

    @Test
    void requestHandlePrintsTwoCorrectSums() throws Exception {
        Matcher m = Pattern.compile("(\\d+) \\+ (\\d+) = (\\d+)").matcher(demo("mp-queue-request"));
        int sums = 0;
        while (m.find()) {
            assertThat(Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2))).isEqualTo(Integer.parseInt(m.group(3)));
            sums++;
        }
        assertThat(sums).isEqualTo(2);
    }

    @Test
    void everyBaoziIsMadeOnceAndEatenOnce() throws Exception {
        String out = demo("mp-producer-consumer");
        List<String> made = all("生产了 (\\S+)", out);
        List<String> eaten = all("吃 (\\S+)", out);
        assertThat(made).hasSize(6).doesNotHaveDuplicates();
        assertThat(eaten).containsExactlyInAnyOrderElementsOf(made);
        assertThat(out.strip()).endsWith("主");
    }

    @Test
    void joinableQueueProducersReturnOnceEverythingIsDone() throws Exception {
        String out = demo("mp-joinable-queue");
        List<String> made = all("生产了 (\\S+)", out);
        assertThat(made).hasSize(6).doesNotHaveDuplicates();
        assertThat(all("吃 (\\S+)", out)).containsExactlyInAnyOrderElementsOf(made);
        assertThat(out).contains("主 (unfinished tasks: 0)");
    }

    @Test
    void aJoinableQueuesJoinWritesOffTheTaskOfAKilledConsumerOnceAndThenReturns() throws Exception {
        String out = demo("mp-joinable-lost-task");
        List<String> victims = all("(\\d+) took task-1 and never finishes it", out);
        assertThat(victims).hasSize(1);
        assertThat(out).contains("killed " + victims.get(0) + " (exit code -9)");
        assertThat(out).contains("join(): JoinableQueue: pid " + victims.get(0) + " ended holding 1 item");
        assertThat(all("\\d+ did (task-\\d)", out)).containsExactlyInAnyOrder("task-2", "task-3");
        assertThat(out).contains("join() again returned: unfinished tasks 0").doesNotContain("counted as done?");
    }

    @Test
    void poolRunsFourHellosInWorkers() throws Exception {
        String out = demo("mp-pool");
        assertThat(all("(Hello \\d) \\(worker", out)).containsExactlyInAnyOrder("Hello 0", "Hello 1", "Hello 2", "Hello 3");
        assertThat(all("(r\\.get\\(\\) = )", out)).hasSize(4);
    }

    @Test
    void executorRunsTasksAndCallbacksRunInTheMainProcess() throws Exception {
        String out = demo("mp-executor");
        assertThat(all("执行 (\\d) in worker", out)).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, 8).mapToObj(Integer::toString).collect(Collectors.toList()));
        assertThat(all("done callback in main process: result (\\d)", out)).hasSize(8);
        assertThat(out).contains("map: [2, 4, 6]").contains("submit(...).get(): result");
        assertThat(out.strip()).endsWith("1");
    }

    @Test
    void tenProcessesChangeTheManagersDictAndList() throws Exception {
        String out = demo("mp-manager");
        assertThat(out).contains("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]").contains("count = 10");
        assertThat(all("(\\d)=process \\d+", out)).hasSize(10);
    }

    @Test
    void poolTasksTakeTicketsUnderTheManagersRLock() throws Exception {
        String out = demo("mp-manager-rlock");
        assertThat(all("排队抢票了: (\\d+) left", out)).containsExactly("10", "9", "8", "7", "6", "5", "4", "3", "2", "1");
        assertThat(out).contains("tickets seen by the ten tasks: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]; f1.txt now says 0");
    }
}
