package io.forkj.benchmarks.mp;

import io.forkj.multiprocessing.Connection;
import io.forkj.multiprocessing.Pipe;
import io.forkj.posix.Child;
import io.forkj.posix.Spawn;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;

/**
 * One-way throughput of a {@link Pipe}: a child JVM sends, this JVM receives, messages per second per round
 * (one line each), as {@code benchmarks/mp/pipe.sh} measures CPython's {@code Connection} beside it.
 * Both JVMs run the default options. Each round starts when the receiver sends "go", and ends when it has received the round's last message;
 * a warm-up round of the same size comes first.
 * usage: PipeThroughput MODE COUNT ROUNDS [simplex]
 * MODE: {@code small} (send/recv of a short String), {@code object} (send/recv of a small record, Java
 * serialization), {@code int} (send/recv of an Integer), {@code bytes1m} (sendBytes/recvBytes of 1 MiB)
 */
public final class PipeThroughput {
    private PipeThroughput() {
    }

    /** A small object that takes the Java-serialization path. */
    record Point(int x, String label) implements Serializable {
    }

    /** Entry point: the receiving parent, or with "child FD MODE COUNT ROUNDS" the sending child. */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("child")) {
            child(Integer.parseInt(args[1]), Integer.parseInt(args[2]), args[3], Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
            return;
        }
        String mode = args[0];
        int count = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        boolean duplex = !(args.length > 3 && args[3].equals("simplex"));
        try (Pipe pipe = Pipe.pipe(duplex); Pipe control = Pipe.pipe(false)) {
            Connection receiver = pipe.conn1();
            Connection sender = duplex ? pipe.conn1() : pipe.conn2();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            int childEnd = pipe.conn2().fileno();
            Child child = Spawn.command(List.of(java, "-cp", System.getProperty("java.class.path"),
                            PipeThroughput.class.getName(), "child", Integer.toString(childEnd),
                            Integer.toString(control.conn1().fileno()), mode,
                            Integer.toString(count), Integer.toString(rounds + 1)))
                    .passFds(childEnd, control.conn1().fileno()).exec();
            pipe.conn2().close();
            control.conn1().close();
            for (int r = 0; r <= rounds; r++) {
                control.conn2().sendBytes(new byte[] {1});
                long start = System.nanoTime();
                receive(receiver, mode, count);
                long elapsed = System.nanoTime() - start;
                if (r > 0) {
                    System.out.println((long) (count * 1e9 / elapsed));
                }
            }
            if (child.waitFor().toExitCode() != 0) {
                throw new IllegalStateException("sender child failed");
            }
        }
    }

    private static void receive(Connection in, String mode, int count) {
        long check = 0;
        for (int i = 0; i < count; i++) {
            if (mode.equals("bytes1m")) {
                check += in.recvBytes().length;
            } else {
                check += in.recv().hashCode();
            }
        }
        if (check == 42) {
            System.err.println("unlikely");
        }
    }

    private static void child(int fd, int controlFd, String mode, int count, int rounds) {
        Connection out = Connection.fromFd(fd, false, true);
        String[] strings = new String[256];
        Point[] points = new Point[256];
        for (int i = 0; i < 256; i++) {
            strings[i] = "message " + i;
            points[i] = new Point(i, "p" + i);
        }
        byte[] big = new byte[1 << 20];
        Connection control = Connection.fromFd(controlFd, true, false);
        for (int r = 0; r < rounds; r++) {
            control.recvBytes();
            for (int i = 0; i < count; i++) {
                switch (mode) {
                    case "small" -> out.send(strings[i & 255]);
                    case "object" -> out.send(points[i & 255]);
                    case "int" -> out.send(i);
                    case "bytes1m" -> out.sendBytes(big);
                    default -> throw new IllegalArgumentException("mode " + mode);
                }
            }
        }
        out.close();
        control.close();
    }
}
