package io.forkj.multiprocessing.internal.manager;

/** What {@code Manager.connect} asks a server it did not start: its pid, through a managed object of this kind. */
public interface ServerProcess {
    /** The pid of the process the object lives in. */
    long pid();

    /** The object, made in the server by the factory {@code Here::new}. */
    final class Here implements ServerProcess {
        @Override
        public long pid() {
            return ProcessHandle.current().pid();
        }
    }
}
