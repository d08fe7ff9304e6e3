package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.UnreadableMessageException;
import io.forkj.multiprocessing.internal.Handshake;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A manager server in this JVM, spoken to with raw frames: what a peer that knows the authkey but not the rules
 * gets. Every refusal is an answer on a connection that stays usable.
 */
@Timeout(60)
class ManagerServerTest {
    private final byte[] authkey = Handshake.newAuthkey();
    private Path dir;
    private ManagerServer server;
    private ManagerClient.Conn conn;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("forkj-manager-test");
        server = new ManagerServer(java.net.UnixDomainSocketAddress.of(dir.resolve("listener")), authkey, Duration.ZERO);
        Thread t = new Thread(server::serve, "test-manager");
        t.setDaemon(true);
        t.start();
        conn = ManagerClient.open(server.socket(), authkey, ProcessHandle.current().pid());
    }

    @AfterEach
    void stop() throws Exception {
        ManagerClient.closeConnection(conn);
        server.close();
        Files.deleteIfExists(dir.resolve("listener"));
        Files.deleteIfExists(dir);
    }

    private Messages.Reply send(byte[] frame) throws Exception {
        Frames.write(conn.out, frame);
        return Frames.readReply(Frames.read(conn.in, 1 << 20));
    }

    private long createList() throws Exception {
        Messages.Reply r = send(io.forkj.multiprocessing.internal.pool.Serial.toBytes(
                new Messages.Create("list", new Object[] {List.of(1, 2)})));
        assertThat(r.ok).isTrue();
        return (Long) r.value;
    }

    @Test
    void aMethodOfAnInterfaceTheObjectDoesNotHaveIsRefused() throws Exception {
        long id = createList();
        Messages.Reply r = send(Frames.call(id, Map.class.getName(), "clear", new Class<?>[0], new Object[0]));
        assertThat(r.ok).isFalse();
        assertThat((Throwable) r.value).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.util.Map.clear cannot be called on a managed ArrayList");
        // isEmpty is declared by Collection, which the list is; named through BlockingQueue, which it is not
        Messages.Reply inherited = send(Frames.call(id, java.util.concurrent.BlockingQueue.class.getName(), "isEmpty",
                new Class<?>[0], new Object[0]));
        assertThat(inherited.ok).isFalse();
        assertThat((Throwable) inherited.value).hasMessageContaining("BlockingQueue.isEmpty cannot be called");
        Messages.Reply size = send(Frames.call(id, List.class.getName(), "size", new Class<?>[0], new Object[0]));
        assertThat(size.ok).isTrue();
        assertThat(size.value).isEqualTo(2);
    }

    @Test
    void aClassOutsideTheManagedInterfacesIsRefused() throws Exception {
        long id = createList();
        Messages.Reply r = send(Frames.call(id, Runtime.class.getName(), "exit", new Class<?>[] {int.class},
                new Object[] {3}));
        assertThat(r.ok).isFalse();
        assertThat((Throwable) r.value).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Runtime.exit cannot be called on a managed object");
    }

    @Test
    void anArgumentTheServerCannotReadIsAnsweredAndTheConnectionGoesOn() throws Exception {
        long id = createList();
        byte[] frame = Frames.call(id, List.class.getName(), "add", new Class<?>[] {Object.class}, new Object[] {7});
        frame[frame.length - 5] = 0x7f; // the argument's type tag: unknown to the codec
        Messages.Reply r = send(frame);
        assertThat(r.ok).isFalse();
        assertThat((Throwable) r.value).isInstanceOf(UnreadableMessageException.class).hasMessageContaining("tag");
        Messages.Reply size = send(Frames.call(id, List.class.getName(), "size", new Class<?>[0], new Object[0]));
        assertThat(size.value).isEqualTo(2);
    }

    @Test
    void aCallOnAnObjectNoLongerHeldSaysWhy() throws Exception {
        Messages.Reply r = send(Frames.call(999, List.class.getName(), "size", new Class<?>[0], new Object[0]));
        assertThat(r.ok).isFalse();
        assertThat((Throwable) r.value).hasMessageContaining("holds no object 999");
    }
}
