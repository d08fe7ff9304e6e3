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
        final Object[] args;

        Create(String kind, Object[] args) {
            this.kind = kind;
            this.args = args;
        }
    }

    /** Call {@code declaring.method(types)} on object {@code id}; "snapshot" on a collection returns a copy. */
    static final class Call implements Serializable {
        private static final long serialVersionUID = 1L;
        final long id;
        final String declaring;
        final String method;
        final Class<?>[] types;
        final Object[] args;

        Call(long id, String declaring, String method, Class<?>[] types, Object[] args) {
            this.id = id;
            this.declaring = declaring;
            this.method = method;
            this.types = types;
            this.args = args;
        }
    }

    /** The answer: a value, or the throwable the call raised in the server. */
    static final class Reply implements Serializable {
        private static final long serialVersionUID = 1L;
        final boolean ok;
        final Object value;

        Reply(boolean ok, Object value) {
            this.ok = ok;
            this.value = value;
        }
    }
}
