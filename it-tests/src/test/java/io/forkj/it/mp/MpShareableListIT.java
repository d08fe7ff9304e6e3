package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.multiprocessing.Manager;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.SharedMemory;
import io.forkj.multiprocessing.ShareableList;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.Target;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ShareableList} across processes: every kind of item read and replaced by children of every start method and
 * by a process that attached by name; no torn read while another process rewrites an item; a writer killed half-way
 * through a write; the errors of bad input.
 */
@ExtendWith(NoFdLeft.class)
class MpShareableListIT {

    /** The standby pool's own fds then exist before the first test counts them ({@link NoFdLeft}). */
    @BeforeAll
    static void startTheStandbyPool() throws InterruptedException {
        assertThat(Children.exitCode(Children.start(StartMethod.STANDBY, () -> { }))).isZero();
    }

    @AfterAll
    static void stopStandbyJvms() {
        Multiprocessing.shutdownStandby();
    }

    /**
     * A child reads each kind back exactly (trailing NULs included: CPython strips them from str and bytes) and
     * replaces items, changing kind where the value fits; the parent sees its values.
     */
    @ParameterizedTest
    @EnumSource(StartMethod.class)
    void everyKindOfItemCrossesToAChildAndItsReplacementsComeBack(StartMethod how) throws Exception {
        // The child's path runs here first, on another list: a FORK child must resolve nothing for the first time.
        try (ShareableList warm = kinds()) {
            readAndReplace(warm).run();
        }
        try (ShareableList list = kinds()) {
            MpProcess p = Children.start(how, readAndReplace(list));
            assertThat(Children.exitCode(p)).as("%s's exit code (1 + the index of a wrong item)", p).isZero();
            assertThat(list).containsExactly(-8L, 2.5, false, "h\u00e9\u20ac\0\0", "new", 1L, 0.5);
        }
    }

    private static ShareableList kinds() {
        return ShareableList.of(7, 2.5f, true, "h\u00e9\u20ac\0", new byte[] {1, 0, 0}, null, "x");
    }

    /** Checks every item (exit 1 + its index if wrong), then replaces four of them, three with another kind. */
    private static Target readAndReplace(ShareableList list) {
        return () -> {
            List<Object> expected = Arrays.asList(7L, 2.5, true, "h\u00e9\u20ac\0", null, null, "x");
            for (int i = 0; i < expected.size(); i++) {
                Object item = list.get(i);
                boolean right = i == 4 ? Arrays.equals((byte[]) item, new byte[] {1, 0, 0}) : java.util.Objects.equals(item, expected.get(i));
                if (!right) {
                    System.exit(1 + i);
                }
            }
            list.set(0, -8);
            list.set(2, false);
            list.set(3, "h\u00e9\u20ac\0\0");
            list.set(4, "new");
            list.set(5, 1);
            list.set(6, 0.5);
        };
    }

    /** A process given only the name attaches, reads, writes; the name stops resolving once the creator closes. */
    @ParameterizedTest
    @EnumSource(value = StartMethod.class, names = {"SPAWN", "STANDBY"})
    void aProcessGivenOnlyTheNameAttachesAndItsWritesReachTheCreator(StartMethod how) throws Exception {
        ShareableList list = ShareableList.of("ping", 0);
        String name = list.name();
        MpProcess p = Children.start(how, () -> {
            try (ShareableList mine = ShareableList.attach(name)) {
                if (!"ping".equals(mine.get(0))) {
                    System.exit(3);
                }
                mine.set(0, "pong");
                mine.set(1, mine.size());
            }
        });
        assertThat(Children.exitCode(p)).isZero();
        assertThat(list).containsExactly("pong", 2L);
        assertThat(list.toString()).isEqualTo("ShareableList(['pong', 2], name='" + name + "')");
        list.close();
        assertThatThrownBy(() -> ShareableList.attach(name)).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> list.get(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    /**
     * CPython rewrites an item's bytes in place, so a reader in another process can see part of the new string and
     * part of the old. Here a SPAWN child rewrites one item between two strings of different lengths as fast as it
     * can while this process reads it: every read is one of the two, whole.
     */
    @Test
    void aReaderNeverSeesAnItemHalfRewrittenByAnotherProcess() throws Exception {
        String a = "a".repeat(200);
        String b = "B".repeat(120) + "\u20ac".repeat(20);
        try (ShareableList list = ShareableList.of(a, false)) {
            MpProcess writer = Children.start(StartMethod.SPAWN, () -> {
                list.set(1, true);
                for (int i = 0; i < 2_000_000 && (Boolean) list.get(1); i++) {
                    list.set(0, (i & 1) == 0 ? b : a);
                }
            });
            assertThat(Kernel.await(Duration.ofSeconds(60), () -> (Boolean) list.get(1))).as("writer started").isTrue();
            int reads = 0;
            int changes = 0;
            try {
                Object last = a;
                long until = System.nanoTime() + 3_000_000_000L;
                while (System.nanoTime() < until && writer.isAlive()) {
                    Object item = list.get(0);
                    assertThat(item).as("read %d", reads).isIn(a, b);
                    changes += item.equals(last) ? 0 : 1;
                    last = item;
                    reads++;
                }
            } finally {
                list.set(1, false);
            }
            assertThat(Children.exitCode(writer)).isZero();
            assertThat(changes).as("reads that saw the item change (of %d)", reads).isGreaterThan(100);
        }
    }

    /**
     * A writer that dies half-way through copying a string in (a test-only death point), holding the writers' mutex:
     * readers still read the old value, whole, and the next writer takes the mutex within its check period.
     */
    @Test
    void aWriterThatDiesHalfWayLeavesTheOldValueAndTheNextWriterWrites() throws Exception {
        try (ShareableList list = ShareableList.of("the old value", 1)) {
            MpProcess writer = Children.start(StartMethod.SPAWN, () -> {
                java.lang.reflect.Field die = ShareableList.class.getDeclaredField("dieWhileWriting");
                die.setAccessible(true);
                die.setBoolean(null, true);
                list.set(0, "a new value!!");
            });
            assertThat(Children.exitCode(writer)).as("the writer ended at the death point").isEqualTo(96);
            assertThat(list.get(0)).isEqualTo("the old value");
            AtomicBoolean written = new AtomicBoolean();
            Thread next = new Thread(() -> {
                list.set(0, "the next value");
                written.set(true);
            }, "next-writer");
            next.start();
            next.join(10_000);
            assertThat(written).as("the next writer wrote").isTrue();
            assertThat(list).containsExactly("the next value", 1L);
        }
    }

    @Test
    void badInputIsRefusedNamingTheValueAndTheRule() {
        assertThatThrownBy(() -> ShareableList.of(1, new java.util.Date(0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("item 1 is a java.util.Date").hasMessageContaining("Long, Double, Boolean");
        try (ShareableList list = ShareableList.of("12345678", 0L, "")) {
            list.set(0, "87654321");
            assertThat(list.set(1, "8 bytes!")).as("the value replaced").isEqualTo(0L);
            assertThatThrownBy(() -> list.set(0, "123456789"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("9 bytes").hasMessageContaining("8 bytes of ShareableList item 0");
            assertThatThrownBy(() -> list.set(2, "\u20ac\u20ac\u20ac"))
                    .as("an empty string keeps 8 bytes; three euro signs are 9 in UTF-8")
                    .hasMessageContaining("9 bytes (UTF-8)");
            assertThatThrownBy(() -> list.set(3, 1)).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessageContaining("3");
            assertThatThrownBy(() -> list.add(1)).isInstanceOf(UnsupportedOperationException.class);
            assertThat(list).containsExactly("87654321", "8 bytes!", "");
        }
        try (ShareableList list = ShareableList.of("overwritten")) {
            java.nio.ByteBuffer raw = list.shm().buf();
            for (int i = 128 + 16; i < raw.limit(); i++) {
                raw.put(i, (byte) 0x7f);
            }
            assertThatThrownBy(() -> list.get(0)).as("an item written over by hand: an error, not an endless retry")
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("shm().buf()");
        }
        SharedMemory other = SharedMemory.create(4096);
        try {
            assertThatThrownBy(() -> ShareableList.attach(other.name()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a forkj ShareableList");
        } finally {
            other.close();
        }
    }

    @Test
    void countIndexAndContainsCompareBytesByContentAsPythonDoes() {
        try (ShareableList list = ShareableList.of(new byte[] {1, 2}, 3, new byte[] {1, 2}, null)) {
            assertThat(list.count(new byte[] {1, 2})).isEqualTo(2);
            assertThat(list.indexOf(new byte[] {1, 2})).isZero();
            assertThat(list.lastIndexOf(new byte[] {1, 2})).isEqualTo(2);
            assertThat(list.contains(3L)).isTrue();
            assertThat(list.contains(3)).as("an Integer is not the Long item, as in any List").isFalse();
            assertThat(list.indexOf(null)).isEqualTo(3);
        }
        try (ShareableList list = ShareableList.of("a", new byte[] {'h', 'i'}, true, null, 1.5, 2)) {
            assertThat(list.toString()).isEqualTo("ShareableList(['a', b'hi', True, None, 1.5, 2], name='" + list.name()
                    + "')");
        }
    }

    /**
     * forkj's own names resolve through their creator's fd, so they die with it; a manager's list (Python's
     * {@code SharedMemoryManager.ShareableList}) is named by the server's fd instead, and resolves after its creator,
     * a SPAWN child, ended, until the manager shuts down. The memory stays readable where it is mapped after that.
     */
    @Test
    void aManagersListOutlivesTheChildThatCreatedItUntilTheManagerShutsDown() throws Exception {
        Manager manager = new Manager();
        try {
            String address = manager.address().toString();
            byte[] key = manager.authkey();
            io.forkj.multiprocessing.Queue<String> names = new io.forkj.multiprocessing.Queue<>();
            try {
                MpProcess creator = Children.start(StartMethod.SPAWN, () -> {
                    Manager view = Manager.connect(Path.of(address), key);
                    ShareableList kept = view.shareableList(List.of("made by pid", ProcessHandle.current().pid()));
                    ShareableList own = ShareableList.of("gone with its creator");
                    names.put(kept.name());
                    names.put(own.name());
                    kept.close();
                    view.close();
                });
                String kept = names.get(true, 60, java.util.concurrent.TimeUnit.SECONDS);
                String own = names.get(true, 10, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(Children.exitCode(creator)).isZero();
                assertThat(kept).startsWith("forkj_" + manager.pid() + "_");
                assertThatThrownBy(() -> ShareableList.attach(own)).as("a plain list's name after its creator ended")
                        .isInstanceOf(NoSuchElementException.class);
                ShareableList list = ShareableList.attach(kept);
                assertThat(list).containsExactly("made by pid", (long) creator.pid());
                list.set(0, "read here");
                manager.close();
                assertThatThrownBy(() -> ShareableList.attach(kept)).as("the name once the manager is gone")
                        .isInstanceOf(NoSuchElementException.class);
                assertThat(list.get(0)).as("the memory, still mapped here").isEqualTo("read here");
                list.close();
            } finally {
                names.close();
            }
        } finally {
            manager.close();
        }
    }

    /**
     * CPython pickles a SharedMemory (and a ShareableList) by its name, so one goes through a queue or to a pool's
     * worker; here too: outside a child's start it is serialized as its name and the reader attaches. A lock has no
     * name and is still refused, in a sentence that reads as one.
     */
    @Test
    void aListGoesThroughAQueueAndToAPoolWorkerByItsName() throws Exception {
        try (ShareableList list = ShareableList.of("from here", 0L); io.forkj.multiprocessing.Pool pool =
                new io.forkj.multiprocessing.Pool(1)) {
            io.forkj.multiprocessing.Queue<Object> q = new io.forkj.multiprocessing.Queue<>();
            try {
                q.put(list);
                try (ShareableList copy = (ShareableList) q.get(true, 10, java.util.concurrent.TimeUnit.SECONDS)) {
                    assertThat(copy.name()).isEqualTo(list.name());
                    copy.set(1, 5);
                }
                assertThat(list.get(1)).isEqualTo(5L);
                int worker = pool.apply(shared -> {
                    shared.set(0, "from a worker");
                    shared.close();
                    return (int) ProcessHandle.current().pid();
                }, list);
                assertThat(pool.workerPids()).contains(worker);
                assertThat(list.get(0)).isEqualTo("from a worker");
                io.forkj.multiprocessing.Lock lock = new io.forkj.multiprocessing.Lock();
                assertThatThrownBy(() -> q.put(lock)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("can be passed to a forkj child process as an argument")
                        .hasMessageNotContaining("is not Serializable");
                lock.close();
            } finally {
                q.close();
            }
        }
    }

    /** Closing unmaps the list's memory in this process at once, and the memory is a memfd, not a /dev/shm file. */
    @Test
    void closingUnmapsTheMemory() throws Exception {
        ShareableList list = ShareableList.of("mapped");
        String token = list.name().substring(list.name().lastIndexOf('_') + 1);
        String memfd = "/memfd:forkj-shm-" + token + " (deleted)";
        assertThat(Files.readAllLines(Path.of("/proc/self/maps"))).anyMatch(line -> line.endsWith(memfd));
        list.close();
        assertThat(Files.readAllLines(Path.of("/proc/self/maps"))).noneMatch(line -> line.contains(token));
    }
}
