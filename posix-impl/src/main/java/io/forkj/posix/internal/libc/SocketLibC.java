package io.forkj.posix.internal.libc;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The socket calls of {@code multiprocessing.connection}'s {@code Listener} and {@code Client}: a binding of its own,
 * loaded by the first of them ({@link Native#sockets()}), because jnr-ffi builds every method of a binding when it
 * loads it (~1 ms each here) and no other part of forkj needs these. Addresses are raw {@code struct sockaddr}
 * bytes. Every method saves errno, read with {@link Native#errno()}.
 */
@SaveError
public interface SocketLibC {
    /** {@code socket(2)}. */
    int socket(int domain, int type, int protocol);

    /** {@code bind(2)}. */
    int bind(int fd, @In byte[] address, int length);

    /** {@code listen(2)}. */
    int listen(int fd, int backlog);

    /** {@code accept4(2)}: the peer's address into {@code address}, its length in {@code length[0]}. */
    int accept4(int fd, @Out byte[] address, @In @Out int[] length, int flags);

    /** {@code connect(2)}. */
    int connect(int fd, @In byte[] address, int length);

    /** {@code getsockname(2)}. */
    int getsockname(int fd, @Out byte[] address, @In @Out int[] length);

    /** {@code setsockopt(2)} with an int option. */
    int setsockopt(int fd, int level, int name, @In int[] value, int length);

    /** {@code shutdown(2)}: on a listening socket it also wakes a thread blocked in {@code accept}. */
    int shutdown(int fd, int how);

    /** Loads the binding against the process's libc. */
    static SocketLibC load() {
        return LibraryLoader.create(SocketLibC.class).load("c");
    }
}
