package io.forkj.it.mp;

import io.forkj.it.Kernel;
import io.forkj.multiprocessing.AcquirerProxy;
import io.forkj.multiprocessing.JoinableQueueProxy;
import io.forkj.multiprocessing.Manager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A manager's client whose pid means nothing in the server's {@code /proc}: a process in another pid namespace
 * (here, started through {@code unshare --pid}; a client on another host of a TCP manager is the same case). The
 * server must not judge such a holder dead from {@code /proc}, or a lock it holds is given to the next waiter while
 * it still holds it; it is dead when its last connection ends.
 */
@Timeout(180)
class MpManagerNamespaceIT {
    private static final List<String> UNSHARE = List.of("unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc",
            "--kill-child");

    /**
     * Reads the proxy that is its second argument; "lock": acquires it and says "held as PID", "take": takes an item
     * and says "took as PID"; "keep" (the argument is a manager's address and key): asks it for shared memory and
     * says "refused as PID" or "kept as PID" (PID: its pid in its own namespace); then sleeps.
     */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            Object proxy;
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(args[1])))) {
                proxy = in.readObject();
            }
            if (args[0].equals("lock")) {
                ((AcquirerProxy) proxy).acquire();
                System.out.println("held as " + ProcessHandle.current().pid());
            } else if (args[0].equals("keep")) {
                String[] manager = (String[]) proxy;
                Manager view = Manager.connect(java.nio.file.Path.of(manager[0]), Base64.getDecoder().decode(manager[1]));
                try {
                    view.sharedMemory(64);
                    System.out.println("kept as " + ProcessHandle.current().pid());
                } catch (IllegalStateException refused) {
                    System.out.println(refused.getMessage().contains("its own proc file system") ? "refused as "
                            + ProcessHandle.current().pid() : "refused otherwise: " + refused.getMessage());
                }
            } else {
                ((JoinableQueueProxy<?>) proxy).take();
                System.out.println("took as " + ProcessHandle.current().pid());
            }
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** A holder in a pid namespace of its own, started on {@code proxy}; ended (SIGKILL) by {@link #close}. */
    private static final class Namespaced implements AutoCloseable {
        final Process unshare;
        final ProcessHandle holder;
        final String said;

        Namespaced(String mode, Object proxy) throws Exception {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(proxy);
            }
            List<String> command = new ArrayList<>(UNSHARE);
            command.addAll(Kernel.javaCommand(Holder.class, mode, Base64.getEncoder().encodeToString(bytes.toByteArray())));
            unshare = new ProcessBuilder(command).redirectErrorStream(true).start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(unshare.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> said = CompletableFuture.supplyAsync(() -> {
                try {
                    StringBuilder all = new StringBuilder();
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        if (line.matches("(held|took|kept|refused) as \\d+")) {
                            return line;
                        }
                        all.append(line).append('\n');
                    }
                    return "ended: " + all;
                } catch (java.io.IOException e) {
                    return e.toString();
                }
            });
            String line = said.get(60, TimeUnit.SECONDS);
            assertThat(line).as("the holder's line").matches("(held|took|kept|refused) as \\d+");
            this.said = line;
            holder = unshare.toHandle().children().findFirst().orElseThrow();
            assertThat(Long.parseLong(line.substring(line.lastIndexOf(' ') + 1))).as("its pid in its namespace")
                    .isNotEqualTo(holder.pid());
        }

        /** SIGKILLs the holder and waits for unshare, which ends with it. */
        void kill() throws InterruptedException {
            holder.destroyForcibly();
            assertThat(unshare.waitFor(30, TimeUnit.SECONDS)).as("unshare ends with its child").isTrue();
        }

        @Override
        public void close() {
            unshare.destroyForcibly();
            try {
                unshare.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void aLockHeldInAnotherPidNamespaceStaysHeldWhileItsHolderLivesAndIsFreedWhenItsConnectionsEnd() throws Exception {
        assumeTrue(unshareWorks(), "unprivileged user and pid namespaces (unshare --user --pid) are not available");
        try (Manager manager = new Manager()) {
            AcquirerProxy lock = manager.lock();
            try (Namespaced holder = new Namespaced("lock", lock)) {
                assertThat(lock.acquire(3, TimeUnit.SECONDS)).as("the lock while its holder lives").isFalse();
                holder.kill();
                assertThat(lock.acquire(30, TimeUnit.SECONDS)).as("the lock once the holder's connections ended").isTrue();
                lock.release();
            }
        }
    }

    /** The same for a joinable queue's item: it comes back only when the taker has ended, and then once. */
    @Test
    void anItemTakenInAnotherPidNamespaceStaysTakenWhileItsTakerLivesAndComesBackWhenItsConnectionsEnd() throws Exception {
        assumeTrue(unshareWorks(), "unprivileged user and pid namespaces (unshare --user --pid) are not available");
        try (Manager manager = new Manager()) {
            JoinableQueueProxy<String> q = manager.joinableQueue();
            q.put("only");
            try (Namespaced taker = new Namespaced("take", q)) {
                assertThat(q.poll(3, TimeUnit.SECONDS)).as("an item while its taker lives").isNull();
                taker.kill();
                assertThat(q.poll(30, TimeUnit.SECONDS)).as("the item once the taker's connections ended").isEqualTo("only");
                assertThat(q.poll(1, TimeUnit.SECONDS)).as("once").isNull();
                q.taskDone();
            }
        }
    }

    /**
     * Memory the manager keeps is opened through the creator's {@code /proc/PID/fd/FD} in the server's {@code /proc}:
     * a creator in another pid namespace names an fd of another process there, or none, so it is refused, by name.
     */
    @Test
    void sharedMemoryKeptByTheManagerIsRefusedToAProcessInAnotherPidNamespace() throws Exception {
        assumeTrue(unshareWorks(), "unprivileged user and pid namespaces (unshare --user --pid) are not available");
        try (Manager manager = new Manager()) {
            String[] where = {manager.address().toString(), Base64.getEncoder().encodeToString(manager.authkey())};
            try (Namespaced creator = new Namespaced("keep", where)) {
                assertThat(creator.said).startsWith("refused as");
            }
        }
    }

    private static boolean unshareWorks() throws Exception {
        List<String> probe = new ArrayList<>(UNSHARE);
        probe.add("true");
        try {
            Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException noUnshare) {
            return false;
        }
    }
}
