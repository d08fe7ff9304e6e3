package io.forkj.multiprocessing.internal.manager;

import java.io.Serializable;

/** What a manager's client and server say to each other, after the handshake. */
final class Messages {
    private Messages() {
    }

    /** Create a shared object of {@code kind} ("dict", "list", "namespace", "value", "lock", "queue"). */
    static final class Create implements Serializable {
        private static final long serialVersionUID = 1L;
        final String kind;
        @SuppressWarnings("serial") // the caller's arguments, refused by the stream when they cannot be serialized
        final Object[] args;

        Create(String kind, Object[] args) {
            this.kind = kind;
            this.args = args;
        }
    }

    /**
     * Reference counting (CPython's {@code incref}/{@code decref}): {@code delta} +1 or -1 on object {@code id}, held
     * by the connection that sends it; a connection's references end with it. +1 on an object already freed answers
     * false.
     */
    static final class Ref implements Serializable {
        private static final long serialVersionUID = 1L;
        final long id;
        final int delta;

        Ref(long id, int delta) {
            this.id = id;
            this.delta = delta;
        }
    }

    /**
     * A proxy to object {@code id} is being serialized: the server keeps the object for the transit lease even if
     * every proxy it counts is collected meanwhile, so the copy can take its own reference when it is read.
     */
    static final class Transit implements Serializable {
        private static final long serialVersionUID = 1L;
        final long id;

        Transit(long id) {
            this.id = id;
        }
    }

    /**
     * Asks the server to keep the caller's shared memory, its fd {@code fd} (a memfd named with {@code token}), open
     * until it ends, so that the memory's name (the server's pid and fd) resolves after its creator is gone:
     * Python's {@code SharedMemoryManager}. Answered with the server's fd.
     */
    static final class KeepMemory implements Serializable {
        private static final long serialVersionUID = 1L;
        final int fd;
        final String token;

        KeepMemory(int fd, String token) {
            this.fd = fd;
            this.token = token;
        }
    }

    /** Asks for the objects held and their reference counts (CPython's {@code _debug_info()}). */
    static final class Info implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Call {@code declaring.method(types)} on object {@code id}; "snapshot" on a collection returns a copy. Sent as
     * {@link Frames#call}, not serialized: {@code types} are class names.
     */
    static final class Call {
        final long id;
        final String declaring;
        final String method;
        final String[] types;
        final Object[] args;

        Call(long id, String declaring, String method, String[] types, Object[] args) {
            this.id = id;
            this.declaring = declaring;
            this.method = method;
            this.types = types;
            this.args = args;
        }
    }

    /** The answer: a value, or the throwable the call raised in the server. Sent as {@link Frames#writeReply}. */
    static final class Reply {
        final boolean ok;
        final Object value;

        Reply(boolean ok, Object value) {
            this.ok = ok;
            this.value = value;
        }
    }
}
