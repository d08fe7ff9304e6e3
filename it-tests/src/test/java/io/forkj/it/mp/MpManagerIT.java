package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.multiprocessing.AuthenticationException;
import io.forkj.multiprocessing.Manager;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Multiprocessing;
import io.forkj.multiprocessing.Namespace;
import io.forkj.multiprocessing.SerializableBiFunction;
import io.forkj.multiprocessing.StartMethod;
import io.forkj.multiprocessing.ValueProxy;
import io.forkj.posix.internal.libc.Native;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A Manager's server process used by child processes of every start method. */
@Timeout(300)
class MpManagerIT {
    private static final Duration LONG = Duration.ofSeconds(120);

    @AfterAll
    static void stopStandby() {
        Multiprocessing.shutdownStandby();
    }

    @Test
    void tenProcessesMutateOneDictAndListWithNoLostUpdate() throws Exception {
        int server;
        try (Manager manager = new Manager()) {
            server = manager.pid();
            Map<Object, Object> d = manager.dict();
            List<Integer> l = manager.list();
            Namespace ns = manager.namespace();
            ValueProxy<Integer> v = manager.value(0);
            d.put("count", 0);
            List<MpProcess> ps = new ArrayList<>();
            StartMethod[] methods = {StartMethod.SPAWN, StartMethod.STANDBY};
            for (int i = 0; i < 10; i++) {
                int n = i;
                MpProcess p = Multiprocessing.getContext(methods[i % 2]).process(() -> {
                    for (int k = 0; k < 20; k++) {
                        d.merge("count", 1, (SerializableBiFunction<Object, Object, Object>)
                                (a, b) -> (Integer) a + (Integer) b);
                        v.update(x -> x + 1);
                    }
                    d.put(n, "p" + n);
                    l.add(n);
                    ns.set("last", n);
                });
                p.start();
                ps.add(p);
            }
            for (MpProcess p : ps) {
                assertThat(p.join(LONG)).isTrue();
                assertThat(p.exitCode().orElseThrow()).isZero();
            }
            assertThat(d.get("count")).isEqualTo(200);
            assertThat(v.get()).isEqualTo(200);
            assertThat(d).hasSize(11);
            assertThat(l).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            assertThat((Integer) ns.get("last")).isBetween(0, 9);
        }
        assertThat(Kernel.state(server)).as("the server ended with the manager").isEmpty();
    }

    /**
     * A FORK child closes its copies of the manager's pipes and connects to the server itself, on the thread that
     * started it. Started from a thread that never read a link through java.nio, both took that thread's first
     * native path buffer from the common {@code Cleaner}, under the monitor held here: 4 of 4 children stalled, on
     * JDK 17 and 25, before the reads became {@code readlink(2)} and {@code getpid(2)}.
     */
    @Test
    void forkChildrenStartedFromFreshThreadsUseProxiesWhileTheCleanerMonitorIsHeld() throws Exception {
        try (Manager manager = new Manager()) {
            Map<Object, Object> d = manager.dict();
            MpProcess first = putFromFork(d, -1);
            first.start();
            assertThat(first.join(LONG)).isTrue();
            assertThat(first.exitCode().orElseThrow()).isZero();
            List<MpProcess> ran = new ArrayList<>();
            try (AutoCloseable hog = CleanerMonitor.hog()) {
                for (int i = 0; i < 4; i++) {
                    MpProcess p = putFromFork(d, i);
                    Thread starter = new Thread(p::start, "starts-fork-child-" + i);
                    starter.start();
                    starter.join(LONG.toMillis());
                    assertThat(starter.isAlive()).as("%s started", p).isFalse();
                    assertThat(p.join(LONG)).as("%s ends", p).isTrue();
                    assertThat(p.exitCode().orElseThrow()).as("exit code of %s", p).isZero();
                    ran.add(p);
                }
            }
            assertThat(ran).hasSize(4);
            for (int key = -1; key < 4; key++) {
                assertThat(d.get(key)).as("what the child for key %d put", key).isEqualTo(key);
            }
        }
    }

    /** The same target class for every child, so that no child runs code its parent never ran. */
    private static MpProcess putFromFork(Map<Object, Object> d, int key) {
        return new MpProcess(() -> d.put(key, key)).startMethod(StartMethod.FORK).forkDeadline(Duration.ofSeconds(10));
    }

    /** What a test exposes of its own managed object: Python's {@code BaseManager.register} example, a counter. */
    public interface Tally {
        /** Adds {@code n}; returns the new total. */
        long add(long n);

        long total();

        /** The pid of the process the object lives in. */
        long where();

        /** Throws the checked exception it declares. */
        void refuse(String why) throws java.io.IOException;

        /** Waits inside the object until the total reaches {@code at least}: a monitor wait in the server. */
        long awaitTotal(long atLeast) throws InterruptedException;
    }

    /** The object behind {@link Tally}; one more method, which a proxy must not reach. */
    static final class SharedTally implements Tally {
        private long total;

        @Override
        public synchronized long add(long n) {
            total += n;
            notifyAll();
            return total;
        }

        @Override
        public synchronized long total() {
            return total;
        }

        @Override
        public long where() {
            return ProcessHandle.current().pid();
        }

        @Override
        public void refuse(String why) throws java.io.IOException {
            throw new java.io.IOException(why);
        }

        @Override
        public synchronized long awaitTotal(long atLeast) throws InterruptedException {
            while (total < atLeast) {
                wait();
            }
            return total;
        }

        public synchronized void reset() {
            total = 0;
        }
    }

    /** The one tally every connected process reaches: a static of the server JVM, as CPython's examples use a global. */
    static final class Board {
        static final SharedTally SHARED = new SharedTally();

        static Tally shared() {
            return SHARED;
        }
    }

    /**
     * CPython's remote manager: a process given only the server's address and authkey (not a proxy) connects, and
     * through a factory that returns the server's one board it adds to the same object as the starter.
     */
    @Test
    void aProcessGivenTheAddressAndKeyConnectsAndSharesAnObject() throws Exception {
        try (Manager manager = new Manager()) {
            Tally mine = manager.proxy(Tally.class, Board::shared);
            mine.add(1);
            String address = manager.address().toString();
            byte[] key = manager.authkey();
            int serverPid = manager.pid();
            MpProcess p = Multiprocessing.getContext(StartMethod.SPAWN).process(() -> {
                Manager view = Manager.connect(Path.of(address), key);
                if (view.pid() != serverPid) {
                    throw new IllegalStateException("the view's server pid " + view.pid() + " is not " + serverPid);
                }
                view.proxy(Tally.class, Board::shared).add(10);
                view.close();
            });
            p.start();
            assertThat(p.join(LONG)).isTrue();
            assertThat(p.exitCode().orElseThrow()).isZero();
            assertThat(mine.total()).as("the starter's proxy sees the connected process's add").isEqualTo(11);

            Manager view = Manager.connect(manager.address(), key);
            assertThat(view.pid()).isEqualTo(serverPid);
            assertThatThrownBy(view::shutdown).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("only its starter");
            Map<String, Integer> d = view.dict();
            d.put("k", 1);
            view.close();
            assertThat(d.get("k")).as("a proxy made through a closed view").isEqualTo(1);
            assertThatThrownBy(view::dict).isInstanceOf(IllegalStateException.class);
            assertThat(mine.add(1)).as("the server after the view closed").isEqualTo(12);

            byte[] wrong = key.clone();
            wrong[0] ^= 1;
            assertThatThrownBy(() -> Manager.connect(manager.address(), wrong))
                    .isInstanceOf(AuthenticationException.class);
            assertThatThrownBy(() -> Manager.connect(Path.of("/nonexistent-forkj/manager.sock"), key))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    /**
     * CPython's remote manager over TCP: {@code BaseManager(address=('127.0.0.1', 0), authkey=key)}. The server
     * listens on the port the kernel chose (ss shows it, owned by the server's pid), a SPAWN child given only the
     * address and the key joins and shares an object, proxies passed to a child work over TCP, a condition's lock
     * from the same server is accepted, both ends of a connection probe a silent peer (TCP keep-alive), a wrong key
     * is refused, and the port is closed after the manager.
     */
    @Test
    void aManagerOnTcpServesProcessesGivenItsHostPortAndKey() throws Exception {
        byte[] key = "forkj-tcp-manager-test-key-0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.net.InetSocketAddress bound;
        try (Manager manager = new Manager(new java.net.InetSocketAddress("127.0.0.1", 0), key)) {
            bound = (java.net.InetSocketAddress) manager.socketAddress();
            assertThat(bound.getPort()).isPositive();
            assertThat(listeningPids(bound.getPort())).as("the TCP listener's owner").containsExactly(manager.pid());
            assertThatThrownBy(manager::address).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("socketAddress()");
            Tally mine = manager.proxy(Tally.class, Board::shared);
            long before = mine.total();
            String host = bound.getHostString();
            int port = bound.getPort();
            Map<String, Integer> d = manager.dict();
            MpProcess p = Multiprocessing.getContext(StartMethod.SPAWN).process(() -> {
                Manager view = Manager.connect(new java.net.InetSocketAddress(host, port), key);
                view.proxy(Tally.class, Board::shared).add(10);
                d.put("child", 1);
                view.close();
            });
            p.start();
            assertThat(p.join(LONG)).isTrue();
            assertThat(p.exitCode().orElseThrow()).isZero();
            assertThat(mine.total()).isEqualTo(before + 10);
            assertThat(d).containsEntry("child", 1);
            // both ends of this process's connection probe a silent peer: ss shows each end's keep-alive timer
            String established = Kernel.output(List.of("ss", "-tnoH", "state", "established",
                    "( sport = :" + port + " or dport = :" + port + " )"));
            assertThat(established.lines().filter(l -> l.contains("timer:(keepalive,")).count())
                    .as("keep-alive timers on the manager's connections: %s", established).isGreaterThanOrEqualTo(2);
            var c = manager.condition(manager.rlock());
            c.acquire();
            assertThat(c.await(Duration.ofMillis(5))).isFalse();
            c.release();
            byte[] wrong = key.clone();
            wrong[0] ^= 1;
            assertThatThrownBy(() -> Manager.connect(bound, wrong)).isInstanceOf(AuthenticationException.class);
            assertThatThrownBy(() -> new Manager(bound, key)).as("the port is taken")
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> new Manager(bound, new byte[0])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("authkey is empty");
        }
        assertThat(listeningPids(bound.getPort())).as("nothing listens after close").isEmpty();
        assertThatThrownBy(() -> Manager.connect(bound, key)).isInstanceOf(java.io.IOException.class);
    }

    /**
     * The server reads {@code /proc} for its liveness checks (each connection's hello, a waiter's look at the holder
     * every 100 ms) through java.nio: it maps no native binding. Before, the first check loaded jffi in the server,
     * ~150-300 ms inside a call.
     */
    @Test
    void theServersLivenessChecksLoadNoNativeBinding() throws Exception {
        try (Manager manager = new Manager()) {
            var lock = manager.lock();
            lock.acquire();
            java.util.concurrent.CompletableFuture<Boolean> waiter = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> lock.acquire(500, java.util.concurrent.TimeUnit.MILLISECONDS));
            assertThat(waiter.get(60, java.util.concurrent.TimeUnit.SECONDS)).as("the lock is held: the wait times out")
                    .isFalse();
            lock.release();
            String maps = Files.readString(Path.of("/proc", Integer.toString(manager.pid()), "maps"));
            assertThat(maps.lines().filter(l -> l.contains("jffi")).toList()).as("jffi in the server's maps").isEmpty();
        }
    }

    /** {@code BaseManager(address='/path/to/socket', authkey=key)}: the caller's path, removed after the manager. */
    @Test
    void aManagerListensOnAUnixPathItIsGivenAndRemovesIt() throws Exception {
        Path dir = Files.createTempDirectory("forkj-manager-path");
        Path socket = dir.resolve("manager.sock");
        try {
            try (Manager manager = new Manager(java.net.UnixDomainSocketAddress.of(socket), "key".getBytes())) {
                assertThat(manager.address()).isEqualTo(socket);
                assertThat(Files.exists(socket)).isTrue();
                Manager view = Manager.connect(socket, "key".getBytes());
                Map<String, Integer> d = view.dict();
                d.put("via", 1);
                view.close();
                assertThat(d).containsEntry("via", 1);
            }
            assertThat(Files.exists(socket)).as("the socket file after close").isFalse();
        } finally {
            Files.deleteIfExists(socket);
            Files.delete(dir);
        }
    }

    /** The pids that own a TCP socket listening on {@code port}, from the kernel's tables (/proc/net/tcp, fds). */
    private static List<Integer> listeningPids(int port) throws Exception {
        String out = Kernel.output(List.of("ss", "-tlnpH", "sport = :" + port));
        List<Integer> pids = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("pid=(\\d+)").matcher(out);
        while (m.find()) {
            pids.add(Integer.parseInt(m.group(1)));
        }
        return pids;
    }

    /**
     * A caller's own object in the server ({@code BaseManager.register}): children of both fresh-JVM start methods
     * add to it through their proxies with no lost update (its methods are {@code synchronized}), one waits inside it
     * until the others are done, exceptions arrive as themselves, and the object lives in the server.
     */
    @Test
    void aCallersOwnObjectLivesInTheServerAndChildrenShareIt() throws Exception {
        try (Manager manager = new Manager()) {
            Tally tally = manager.proxy(Tally.class, SharedTally::new);
            assertThat(tally.where()).as("the object's process").isEqualTo(manager.pid());
            List<MpProcess> ps = new ArrayList<>();
            StartMethod[] methods = {StartMethod.SPAWN, StartMethod.STANDBY};
            MpProcess waiter = Multiprocessing.getContext(StartMethod.SPAWN).process(() -> {
                if (tally.awaitTotal(4 * 500) != 4 * 500) {
                    throw new IllegalStateException("woke before the total");
                }
            });
            waiter.start();
            for (int i = 0; i < 4; i++) {
                MpProcess p = Multiprocessing.getContext(methods[i % 2]).process(() -> {
                    for (int k = 0; k < 500; k++) {
                        tally.add(1);
                    }
                });
                p.start();
                ps.add(p);
            }
            ps.add(waiter);
            for (MpProcess p : ps) {
                assertThat(p.join(LONG)).as("%s ends", p).isTrue();
                assertThat(p.exitCode().orElseThrow()).as("exit code of %s", p).isZero();
            }
            assertThat(tally.total()).isEqualTo(2_000);
            assertThatThrownBy(() -> tally.refuse("no")).isInstanceOf(java.io.IOException.class).hasMessage("no");
            assertThat(tally.toString()).contains("custom-proxy");
        }
    }

    @Test
    void aManagedObjectIsReachedThroughItsInterfaceOnly() throws Exception {
        try (Manager manager = new Manager()) {
            assertThatThrownBy(() -> manager.proxy(SharedTally.class, SharedTally::new))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not an interface");
            assertThatThrownBy(() -> manager.proxy(Tally.class, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("factory");
            assertThatThrownBy(() -> manager.proxy(Tally.class, () -> {
                throw new IllegalStateException("factory refused");
            })).isInstanceOf(IllegalStateException.class).hasMessage("factory refused");
            // A raw cast past the generics: the server checks what the factory made.
            @SuppressWarnings({"unchecked", "rawtypes"})
            io.forkj.multiprocessing.SerializableCallable<Tally> wrong =
                    (io.forkj.multiprocessing.SerializableCallable) (io.forkj.multiprocessing.SerializableCallable<String>) () -> "text";
            assertThatThrownBy(() -> manager.proxy(Tally.class, wrong))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String, not a");
            // A proxy that claims more than the object's interface: the server refuses the method.
            Tally tally = manager.proxy(Tally.class, SharedTally::new);
            tally.add(5);
            Object handler = java.lang.reflect.Proxy.getInvocationHandler(tally);
            java.lang.reflect.Method reset = SharedTally.class.getMethod("reset");
            assertThatThrownBy(() -> ((java.lang.reflect.InvocationHandler) handler).invoke(tally, reset, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an interface");
            java.lang.reflect.Method size = Map.class.getMethod("size");
            assertThatThrownBy(() -> ((java.lang.reflect.InvocationHandler) handler).invoke(tally, size, null))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a method of");
            assertThat(tally.total()).isEqualTo(5);
        }
    }

    /** Python's {@code manager.Array('i', [1, 2, 3])}: a child changes it; its type and length hold. */
    @Test
    void anArrayKeepsItsTypeAndLengthAcrossProcesses() throws Exception {
        try (Manager manager = new Manager()) {
            List<Object> a = manager.array('i', List.of(1, 2, 3));
            List<Object> d = manager.array('d', 2);
            MpProcess child = new MpProcess(() -> {
                a.set(0, a.size() * 10);
                d.set(1, 0.5);
            });
            child.start();
            assertThat(child.join(LONG)).isTrue();
            assertThat(child.exitCode().orElseThrow()).isZero();
            assertThat(a).containsExactly(30, 2, 3);
            assertThat(d).containsExactly(0.0, 0.5);
            assertThat(a.set(2, -7)).as("the value replaced").isEqualTo(3);
            assertThat(a.get(2)).isEqualTo(-7);
            assertThatThrownBy(() -> a.set(1, 1L << 40)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(String.valueOf(1L << 40));
            assertThatThrownBy(() -> a.add(4)).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> a.get(3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> manager.array('z', 3)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unknown type code 'z'");
            assertThat(a).hasSize(3);
        }
    }

    @Test
    void serverExceptionsReachTheCallingChildAndQueuesAndLocksWork() throws Exception {
        try (Manager manager = new Manager()) {
            List<Integer> l = manager.list();
            BlockingQueue<String> q = manager.queue();
            MpProcess p = new MpProcess(() -> {
                try {
                    l.get(5);
                    q.put("no exception");
                } catch (IndexOutOfBoundsException expected) {
                    q.put("IndexOutOfBoundsException: " + expected.getMessage());
                }
            });
            p.start();
            assertThat(q.take()).startsWith("IndexOutOfBoundsException").contains("5");
            assertThat(p.join(LONG)).isTrue();
            assertThat(p.exitCode().orElseThrow()).isZero();
        }
    }

    @Test
    void threadsThatComeAndGoReuseConnectionsInsteadOfKeepingOneEach() throws Exception {
        try (Manager manager = new Manager()) {
            Map<Integer, Integer> d = manager.dict();
            d.put(-1, -1);
            long before = openSockets();
            for (int i = 0; i < 200; i++) {
                int key = i;
                Thread t = new Thread(() -> d.put(key, key), "short-lived-" + i);
                t.start();
                t.join(LONG.toMillis());
                assertThat(t.isAlive()).isFalse();
            }
            assertThat(d).hasSize(201);
            assertThat(openSockets() - before).as("sockets opened by 200 threads, one after another").isLessThanOrEqualTo(1);
            BlockingQueue<Integer> q = manager.queue();
            List<Thread> takers = new ArrayList<>();
            List<Integer> taken = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < 4; i++) {
                Thread t = new Thread(() -> {
                    try {
                        taken.add(q.take());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                t.start();
                takers.add(t);
            }
            for (int i = 0; i < 4; i++) {
                q.put(i);
            }
            for (Thread t : takers) {
                t.join(LONG.toMillis());
            }
            assertThat(taken).as("four calls blocked at once each had a connection").containsExactlyInAnyOrder(0, 1, 2, 3);
        }
    }

    private static long openSockets() {
        return Kernel.openFds(Kernel.self()).stream().filter(fd -> fd.contains(" -> socket:")).count();
    }

    @Test
    void aLockHeldByAProcessThatDiesIsReleased() throws Exception {
        try (Manager manager = new Manager()) {
            var lock = manager.lock();
            MpProcess holder = new MpProcess(() -> {
                lock.acquire();
                Thread.sleep(600_000);
            });
            holder.start();
            assertThat(Kernel.await(LONG, () -> !lock.acquire(false) || releaseAndFalse(lock))).isTrue();
            holder.kill();
            assertThat(holder.join(LONG)).isTrue();
            assertThat(lock.acquire(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            lock.release();
        }
    }

    private static boolean releaseAndFalse(io.forkj.multiprocessing.AcquirerProxy lock) {
        lock.release();
        return false;
    }

    @Test
    void aPeerWithoutTheAuthkeyIsRejected() throws Exception {
        try (Manager manager = new Manager()) {
            assertThatThrownBy(() -> Manager.checkAuthkey(manager.address(), "wrong".getBytes()))
                    .isInstanceOf(AuthenticationException.class);
            assertThat(Files.getPosixFilePermissions(manager.address().getParent()))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Map<String, Integer> d = manager.dict();
            d.put("ok", 1);
            assertThat(d).containsEntry("ok", 1);
        }
    }

    @Test
    void theServerEndsWhenItsOwnerIsKilled() throws Exception {
        Path file = Files.createTempFile("forkj-manager-owner", ".pid");
        String path = file.toString();
        try {
            MpProcess owner = new MpProcess(() -> {
                Manager manager = new Manager();
                Files.writeString(Path.of(path), manager.pid() + " " + manager.address());
                Thread.sleep(600_000);
            });
            owner.start();
            assertThat(Kernel.await(LONG, () -> {
                try {
                    return Files.readString(file).contains(" ");
                } catch (java.io.IOException e) {
                    return false;
                }
            })).isTrue();
            String[] parts = Files.readString(file).split(" ");
            int serverPid = Integer.parseInt(parts[0]);
            assertThat(Kernel.state(serverPid)).isPresent();
            Native.posix().kill(owner.pid(), 9);
            assertThat(owner.join(LONG)).isTrue();
            assertThat(Kernel.await(LONG, () -> Kernel.state(serverPid).isEmpty()))
                    .as("the server %d ended with its owner", serverPid).isTrue();
            assertThat(Kernel.await(LONG, () -> !Files.exists(Path.of(parts[1])))).isTrue();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
