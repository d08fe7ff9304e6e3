package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.multiprocessing.Array;
import io.forkj.multiprocessing.Barrier;
import io.forkj.multiprocessing.Condition;
import io.forkj.multiprocessing.Event;
import io.forkj.multiprocessing.JoinableQueue;
import io.forkj.multiprocessing.Lock;
import io.forkj.multiprocessing.Pipe;
import io.forkj.multiprocessing.Queue;
import io.forkj.multiprocessing.RLock;
import io.forkj.multiprocessing.Semaphore;
import io.forkj.multiprocessing.SharedMemory;
import io.forkj.multiprocessing.Value;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Objects dropped without {@code close()}, as Python programs drop theirs: each holds a memfd and a mapping, which
 * used to stay until the process ended (a loop of {@code new Lock()} failed with EMFILE after ~16,000). They are
 * given back once the object is garbage; a creation that finds too many waiting, or is refused for fds, asks for a
 * collection first.
 */
@Timeout(300)
class MpDroppedObjectsIT {
    private static final String MEMFD = "/memfd:forkj-";
    private static final int RLIMIT_NOFILE = 7;

    /** Every kind, made, used once and dropped; 11 or more segments per round. */
    private static void oneOfEach(int i) throws Exception {
        Lock lock = new Lock();
        lock.acquire();
        lock.release();
        new RLock().acquire();
        new Semaphore(2).acquire();
        new Event().set();
        Condition condition = new Condition(new Lock());
        condition.acquire();
        condition.signal(1);
        condition.release();
        new Barrier(2).nWaiting();
        new Value('i', i).set(i + 1);
        new Array('d', 4).set(0, 1.5);
        Queue<Integer> q = new Queue<>();
        q.put(i);
        assertThat(q.get()).isEqualTo(i);
        JoinableQueue<Integer> jq = new JoinableQueue<>();
        jq.put(i);
        jq.get();
        jq.taskDone();
        SharedMemory.create(4096).buf().put(0, (byte) i);
    }

    @Test
    void droppedObjectsOfEveryKindGiveBackTheirFdsAndMappings() throws Exception {
        long before = memfds();
        long mappingsBefore = mappings(MEMFD);
        long most = 0;
        for (int i = 0; i < 1_500; i++) {
            oneOfEach(i);
            if (i % 50 == 0) {
                most = Math.max(most, memfds() - before);
            }
        }
        most = Math.max(most, memfds() - before);
        // The bound is 1,024 segments not yet given back; a collection that leaves more than half (a slow cleaner
        // thread) doubles it once; one round's objects come on top.
        assertThat(most).as("memfds held at most while ~17,000 segments were made and dropped")
                .isLessThanOrEqualTo(2 * 1_024 + 50);
        assertThat(Kernel.await(Duration.ofSeconds(60), () -> {
            System.gc();
            return memfds() <= before && mappings(MEMFD) <= mappingsBefore;
        })).as("every dropped object's memfd and mapping given back: %d memfds (%d before), %d mappings (%d before)",
                memfds(), before, mappings(MEMFD), mappingsBefore).isTrue();
    }

    /** A SharedMemory dropped with its buffer kept: the fd goes with the object, the mapping with the buffer. */
    @Test
    void aDroppedSharedMemoryClosesItsFdAndItsKeptBufferKeepsTheMapping() {
        String[] memfd = new String[1];
        ByteBuffer kept = bufferOfADroppedSharedMemory(memfd);
        assertThat(Kernel.await(Duration.ofSeconds(60), () -> {
            System.gc();
            return memfdsNamed(memfd[0]) == 0;
        })).as("the dropped SharedMemory's fd closed").isTrue();
        assertThat(mappings(memfd[0])).as("its mapping, still held by the kept buffer").isEqualTo(1);
        kept.put(1, (byte) 42);
        assertThat(kept.get(0)).isEqualTo((byte) 7);
        assertThat(kept.get(1)).isEqualTo((byte) 42);
        kept = null;
        assertThat(Kernel.await(Duration.ofSeconds(60), () -> {
            System.gc();
            return mappings(memfd[0]) == 0;
        })).as("the mapping gone with the buffer").isTrue();
    }

    /** Its memfd's name as /proc shows it goes to {@code memfd[0]}. */
    private static ByteBuffer bufferOfADroppedSharedMemory(String[] memfd) {
        SharedMemory shm = SharedMemory.create(1 << 16);
        String name = shm.name();
        memfd[0] = "/memfd:forkj-shm-" + name.substring(name.lastIndexOf('_') + 1) + " (deleted)";
        assertThat(memfdsNamed(memfd[0])).isEqualTo(1);
        ByteBuffer b = shm.buf();
        b.put(0, (byte) 7);
        return b;
    }

    /**
     * Connections dropped open: each holds an fd and 128 KiB of native buffer per direction. They used to stay until
     * the process ended (a loop of Pipe() failed with EMFILE); past 256 unreleased ones a new one asks for a collection.
     */
    @Test
    void droppedConnectionsGiveBackTheirFds() throws Exception {
        long before = pipeFds();
        long most = 0;
        for (int i = 0; i < 4_000; i++) {
            Pipe p = Pipe.pipe(i % 2 == 0);
            p.conn2().send(i);
            assertThat(p.conn1().recv()).isEqualTo(i);
            if (i % 100 == 0) {
                most = Math.max(most, pipeFds() - before);
            }
        }
        // 2 fds per pipe, 2 connections per pipe: the bound of 256 connections, doubled once, plus a round's
        assertThat(most).as("pipe and socket fds held at most while 4,000 pipes were made and dropped")
                .isLessThanOrEqualTo(2 * 256 + 50);
        assertThat(Kernel.await(Duration.ofSeconds(60), () -> {
            System.gc();
            return pipeFds() <= before;
        })).as("every dropped connection's fd closed: %d pipe/socket fds, %d before", pipeFds(), before).isTrue();
    }

    private static long pipeFds() {
        return Kernel.ownFds().stream().filter(fd -> fd.contains("pipe:") || fd.contains("socket:")).count();
    }

    /**
     * Few fds left (RLIMIT_NOFILE lowered to 300 above what is open), fewer dropped objects than the bound: the
     * creation refused with EMFILE collects and tries again, instead of failing while garbage holds the fds.
     */
    @Test
    void aCreationRefusedForWantOfFdsCollectsTheDroppedOnesAndSucceeds() throws Exception {
        long[] limits = new long[2];
        assertThat(Native.libc().getrlimit(RLIMIT_NOFILE, limits)).isZero();
        long open = Kernel.openFds(Kernel.self()).size();
        long[] low = {open + 300, limits[1]};
        int made = 0;
        Exception failed = null;
        assertThat(Native.libc().setrlimit(RLIMIT_NOFILE, low)).isZero();
        try {
            for (; made < 1_000; made++) {
                new Lock().acquire(); // dropped: 1,000 stays under the bound of 1,024, so only EMFILE collects
            }
        } catch (Exception e) {
            failed = e;
        } finally {
            assertThat(Native.libc().setrlimit(RLIMIT_NOFILE, limits)).isZero();
        }
        assertThat(failed).as("after %d Locks with %d fds allowed", made, low[0]).isNull();
        assertThat(made).isEqualTo(1_000);
    }

    /**
     * The first connection or segment a FORK child makes initializes the release class there: it must start no
     * thread (a forked JVM child may start none; with two threads a stalled child is no longer recognised as one and
     * runs to its deadline). Its cleaner used to be created, and its thread started, by that initialization.
     */
    @Test
    void aForkChildThatFirstInitializesTheReleaseClassStartsNoThread() throws Exception {
        String out = Kernel.freshJvm(ReleaseInitMain.class);
        assertThat(out).as("the FORK child's thread count after initializing the class").contains("threads 1");
    }

    private static long memfds() {
        return memfdsNamed(MEMFD);
    }

    private static long memfdsNamed(String prefix) {
        return Kernel.ownFds().stream().filter(fd -> fd.contains(prefix)).count();
    }

    private static long mappings(String memfd) {
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains(memfd)).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
