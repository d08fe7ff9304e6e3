package io.forkj.benchmarks.mp;

import io.forkj.multiprocessing.Client;
import io.forkj.multiprocessing.Connection;
import io.forkj.multiprocessing.Listener;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Authenticated connections per second through a {@link Listener} on a unix socket: a thread accepts (the HMAC
 * challenge both ways) and receives one 1-byte message per connection while this thread connects with
 * {@link Client#connect}, sends it and closes, as {@code benchmarks/mp/pipe.sh} measures CPython's
 * {@code multiprocessing.connection.Listener}/{@code Client} beside it. One line per round; a warm-up round first.
 * usage: ListenerConnect COUNT ROUNDS
 */
public final class ListenerConnect {
    private ListenerConnect() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        byte[] key = "benchmark authkey".getBytes(StandardCharsets.UTF_8);
        try (Listener listener = Listener.listen(key)) {
            for (int r = 0; r <= rounds; r++) {
                CompletableFuture<Long> served = CompletableFuture.supplyAsync(() -> {
                    long bytes = 0;
                    for (int i = 0; i < count; i++) {
                        try (Connection c = listener.accept()) {
                            bytes += c.recvBytes().length;
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return bytes;
                });
                long start = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    try (Connection c = Client.connect(listener.address(), key)) {
                        c.sendBytes(new byte[] {1});
                    }
                }
                if (served.get() != count) {
                    throw new IllegalStateException("lost messages");
                }
                long elapsed = System.nanoTime() - start;
                if (r > 0) {
                    System.out.println((long) (count * 1e9 / elapsed));
                }
            }
        }
    }
}
