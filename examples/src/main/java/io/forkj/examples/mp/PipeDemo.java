package io.forkj.examples.mp;

import io.forkj.examples.demos.Demo;
import io.forkj.multiprocessing.Connection;
import io.forkj.multiprocessing.MpProcess;
import io.forkj.multiprocessing.Pipe;
import io.forkj.multiprocessing.Target;

import java.time.Duration;
import java.util.List;

/**
 * Seed 001 "pipe" (管道通信): two processes talk over one duplex Pipe, each holding one end.
 * <pre>
 * fd1, fd2 = Pipe()
 * def fun1(): data = fd1.recv(); print("管道2传给管道1的数据", data); fd1.send("跟你说句悄悄话")
 * def fun2(): fd2.send("肥水不流外人田"); data = fd2.recv(); print("管道1传给管道2的数据", data)
 * </pre>
 */
final class PipeDemo implements Demo {
    @Override
    public String name() {
        return "mp-pipe";
    }

    @Override
    public List<String> explanation() {
        return List.of("Pipe() gives two connected ends; process 1 gets fd1, process 2 gets fd2, and they talk both ways.",
                "Look for 肥水不流外人田 travelling from 2 to 1, then 跟你说句悄悄话 from 1 to 2: recv() waited for each.");
    }

    static void fun1(Connection fd1) {
        Object data = fd1.recv();
        System.out.println("管道2传给管道1的数据 " + data);
        fd1.send("跟你说句悄悄话");
    }

    static void fun2(Connection fd2) {
        fd2.send("肥水不流外人田");
        Object data = fd2.recv();
        System.out.println("管道1传给管道2的数据 " + data);
    }

    @Override
    public int run() throws Exception {
        try (Pipe pipe = Pipe.pipe()) {
            MpProcess p1 = new MpProcess(Target.of(PipeDemo::fun1, pipe.conn1()));
            MpProcess p2 = new MpProcess(Target.of(PipeDemo::fun2, pipe.conn2()));
            p1.start();
            p2.start();
            boolean ended = p1.join(Duration.ofMinutes(2)) & p2.join(Duration.ofMinutes(2));
            if (!ended) {
                p1.kill();
                p2.kill();
                p1.join();
                p2.join();
            }
            return ended && p1.exitCode().orElse(-1) == 0 && p2.exitCode().orElse(-1) == 0 ? 0 : 1;
        }
    }
}
