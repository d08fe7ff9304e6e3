package io.forkj.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The forkj command's system tools, checked against /proc and ps for processes this test makes. */
class CliIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> PS_KEYS = Set.of("pid", "ppid", "pgid", "sid", "comm", "state", "stat", "threeState",
            "fiveState", "zombie", "orphan", "startTime");

    private static String psStat(long pid) throws Exception {
        Process ps = new ProcessBuilder("ps", "-o", "stat=", "-p", Long.toString(pid)).start();
        String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        ps.waitFor();
        return out;
    }

    private static Set<String> keys(JsonNode node) {
        Set<String> keys = new TreeSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    @Test
    void versionNamesTheBuiltVersionAndCompletionIsAScript() throws Exception {
        Cli.Result version = Cli.run("--version");
        assertThat(version.exitCode()).as(version.err()).isZero();
        assertThat(version.out()).startsWith("forkj " + System.getProperty("forkj.version")).contains("JVM ");
        Cli.Result completion = Cli.run("generate-completion");
        assertThat(completion.exitCode()).as(completion.err()).isZero();
        assertThat(completion.out()).startsWith("#!/usr/bin/env bash").contains("complete -F").contains("zombies");
    }

    @Test
    void psJsonMatchesProcForASleepingChild() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        try {
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.state((int) sleeper.pid()).orElse('?') == 'S')).isTrue();
            Cli.Result r = Cli.run("ps", "--pid", Long.toString(sleeper.pid()), "--json");
            assertThat(r.exitCode()).as(r.err()).isZero();
            JsonNode array = JSON.readTree(r.out());
            assertThat(array.isArray()).isTrue();
            assertThat(array).hasSize(1);
            JsonNode p = array.get(0);
            assertThat(keys(p)).isEqualTo(new TreeSet<>(PS_KEYS));
            String[] stat = Kernel.stat((int) sleeper.pid()).orElseThrow();
            assertThat(p.get("pid").asLong()).isEqualTo(sleeper.pid());
            assertThat(p.get("ppid").asInt()).isEqualTo(Kernel.self()).isEqualTo(Integer.parseInt(stat[1]));
            assertThat(p.get("pgid").asInt()).isEqualTo(Integer.parseInt(stat[2]));
            assertThat(p.get("sid").asInt()).isEqualTo(Integer.parseInt(stat[3]));
            assertThat(p.get("comm").asText()).isEqualTo("sleep");
            assertThat(p.get("state").asText()).isEqualTo("S");
            assertThat(p.get("stat").asText()).isEqualTo(psStat(sleeper.pid()));
            assertThat(p.get("threeState").asText()).isEqualTo("BLOCKED");
            assertThat(p.get("fiveState").asText()).isEqualTo("BLOCKED");
            assertThat(p.get("zombie").asBoolean()).isFalse();
            assertThat(p.get("orphan").asBoolean()).isFalse();
            Instant start = Instant.parse(p.get("startTime").asText());
            Instant jdkStart = sleeper.info().startInstant().orElseThrow();
            assertThat(Duration.between(start, jdkStart).abs()).isLessThan(Duration.ofSeconds(2));
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }

    @Test
    void psAllListsEveryProcessWithTheSameKeys() throws Exception {
        Cli.Result r = Cli.run("ps", "--all", "--json");
        assertThat(r.exitCode()).isZero();
        JsonNode array = JSON.readTree(r.out());
        List<Long> pids = new ArrayList<>();
        for (JsonNode p : array) {
            assertThat(keys(p)).isEqualTo(new TreeSet<>(PS_KEYS));
            pids.add(p.get("pid").asLong());
        }
        assertThat(pids).contains(1L, (long) Kernel.self());
        Cli.Result table = Cli.run("ps");
        assertThat(table.out().lines().findFirst().orElseThrow())
                .matches("\\s*PID\\s+PPID\\s+STAT\\s+THREE\\s+FIVE\\s+FLAGS\\s+COMMAND\\s*");
    }

    /** {@code sh -c 'sleep 0 & exec sleep 60'}: the shell becomes sleep 60, which never reaps the first sleep. */
    @Test
    void zombiesListsAZombieWithItsParentAndExitsOne() throws Exception {
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0 & exec sleep 60").start();
        try {
            int parentPid = (int) parent.pid();
            assertThat(Kernel.await(Duration.ofSeconds(10), () -> Kernel.children(parentPid).stream()
                    .anyMatch(c -> Kernel.state(c).orElse('?') == 'Z'))).isTrue();
            int zombie = Kernel.children(parentPid).get(0);
            Cli.Result r = Cli.run("zombies", "--json");
            assertThat(r.exitCode()).isEqualTo(1);
            JsonNode found = null;
            for (JsonNode z : JSON.readTree(r.out())) {
                if (z.get("pid").asInt() == zombie) {
                    found = z;
                }
            }
            assertThat(found).as("zombie %d in %s", zombie, r.out()).isNotNull();
            assertThat(found.get("ppid").asInt()).isEqualTo(parentPid);
            assertThat(found.get("parentComm").asText()).isEqualTo("sleep");
            assertThat(found.get("zombie").asBoolean()).isTrue();
            assertThat(found.get("fiveState").asText()).isEqualTo("TERMINATED");
            Cli.Result table = Cli.run("zombies");
            assertThat(table.out()).contains(zombie + " ").contains(parentPid + " sleep");
            Cli.Result tree = Cli.run("tree", Integer.toString(parentPid));
            assertThat(tree.exitCode()).isZero();
            assertThat(tree.out()).contains("sleep(" + parentPid + ")").contains("(" + zombie + ") Z").contains("[Z]");
        } finally {
            parent.destroyForcibly().waitFor();
        }
    }

    @Test
    void badArgumentsExitTwoWithAOneLineMessage() throws Exception {
        String[][] cases = {
                {"ps", "--pid", "0"}, {"ps", "--pid", "-1"}, {"ps", "--bogus"}, {"ps", "--pid", "abc"},
                {"watch", "-5"}, {"tree", "0"}, {"demo", "nosuch"}, {"ps", "--all", "--pid", "1"}};
        for (String[] args : cases) {
            Cli.Result r = Cli.run(Duration.ofSeconds(30), args);
            assertThat(r.exitCode()).as("forkj %s", String.join(" ", args)).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as("one-line error for %s: %s", String.join(" ", args), r.err()).isEqualTo(1);
            assertThat(r.err()).startsWith("forkj: ");
        }
        assertThat(Cli.run("ps", "--pid", "0").err()).contains("0");
        assertThat(Cli.run("demo", "nosuch").err()).contains("nosuch");
    }

    @Test
    void watchReportsTransitionsUntilTheProcessIsGone() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "60").start();
        int pid = (int) sleeper.pid();
        Process watch = new ProcessBuilder(Cli.command("watch", Integer.toString(pid))).start();
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> new java.io.BufferedReader(new java.io.InputStreamReader(watch.getInputStream(),
                StandardCharsets.UTF_8)).lines().forEach(lines::add));
        reader.start();
        try {
            assertThat(next(lines)).isEqualTo("watching sleep (" + pid + ")");
            assertThat(next(lines)).contains(" S").contains("BLOCKED / BLOCKED");
            io.forkj.Posix.get().kill(pid, io.forkj.Signal.SIGSTOP);
            // On its way to T the sleeper is woken to take the signal: a loaded machine lets watch sample that
            // brief R (seen as a normal user beside a full suite). Lines until T, each a real transition.
            String stopped = next(lines);
            for (int i = 0; i < 3 && !stopped.contains(" T"); i++) {
                assertThat(stopped).as("a transient state on the way to T").contains(" R");
                stopped = next(lines);
            }
            assertThat(stopped).contains(" T").contains("BLOCKED");
            sleeper.destroyForcibly().waitFor();
            // On a loaded machine watch may sample the killed sleeper still exiting (R) or a zombie (Z) before
            // the JDK's reaper reaps it: each such line is already TERMINATED; then gone.
            String gone = next(lines);
            for (int i = 0; i < 3 && !gone.contains("gone: TERMINATED"); i++) {
                assertThat(gone).as("dying on the way to gone").contains("/ TERMINATED");
                gone = next(lines);
            }
            assertThat(gone).contains("gone: TERMINATED");
            assertThat(watch.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(watch.exitValue()).isZero();
        } finally {
            watch.destroyForcibly().waitFor();
            sleeper.destroyForcibly().waitFor();
            reader.join(10_000);
        }
    }

    private static String next(java.util.concurrent.BlockingQueue<String> lines) throws InterruptedException {
        String line = lines.poll(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(line).as("a line from forkj watch within 20 s").isNotNull();
        return line;
    }

    @Test
    void orphansCommandExitCodeTellsWhetherAnyWereFound() throws Exception {
        Cli.Result r = Cli.run("orphans", "--json");
        JsonNode array = JSON.readTree(r.out());
        assertThat(r.exitCode()).isEqualTo(array.size() == 0 ? 0 : 1);
        for (JsonNode p : array) {
            assertThat(p.get("orphan").asBoolean()).isTrue();
        }
    }
}
