package io.forkj.it.mp;

import java.io.ByteArrayInputStream;
import java.io.ObjectInputStream;
import java.util.Base64;

/**
 * A SPAWN child: deserializes its task (its shared objects re-attach to the fds it inherited) and runs it. Exit
 * 0 when the task returns, 1 with the stack trace on stderr when it throws, like CPython's children.
 */
public final class ChildMain {
    private ChildMain() {
    }

    public static void main(String[] args) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(args[0])))) {
            Children.Task task = (Children.Task) in.readObject();
            task.run();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }
}
