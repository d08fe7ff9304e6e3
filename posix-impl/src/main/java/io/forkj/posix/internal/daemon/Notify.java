package io.forkj.posix.internal.daemon;

import io.forkj.PosixException;
import io.forkj.posix.internal.libc.LinuxLibC;
import io.forkj.posix.internal.libc.Native;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code sd_notify(3)}: one datagram to the {@code AF_UNIX} socket systemd names in {@code NOTIFY_SOCKET}. Java
 * 17's {@code DatagramChannel} has no Unix-domain support, hence the raw {@code socket}/{@code sendto}.
 */
public final class Notify {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = LinuxLibC.Flags.SOCK_CLOEXEC;
    private static final int MSG_NOSIGNAL = 0x4000;
    /** {@code sizeof(sun_path)}. */
    private static final int PATH_MAX = 108;

    private Notify() {
    }

    /**
     * Sends {@code message} to {@code socket}: an absolute path, or {@code @name} for the abstract namespace.
     *
     * @throws IllegalArgumentException if the address is neither or too long
     * @throws PosixException           if the datagram cannot be sent
     */
    public static void send(String socket, String message) {
        byte[] path = socket.getBytes(StandardCharsets.UTF_8);
        boolean isAbstract = socket.startsWith("@");
        if (!isAbstract && !socket.startsWith("/")) {
            throw new IllegalArgumentException("NOTIFY_SOCKET '" + socket + "' must be an absolute path or @abstract-name");
        }
        if (path.length > PATH_MAX - 1) {
            throw new IllegalArgumentException("NOTIFY_SOCKET '" + socket + "' is longer than " + (PATH_MAX - 1) + " bytes");
        }
        byte[] address = new byte[2 + PATH_MAX];
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        address[little ? 0 : 1] = AF_UNIX;
        System.arraycopy(path, 0, address, 2, path.length);
        if (isAbstract) {
            address[2] = 0;
        }
        int addressLength = 2 + path.length + (isAbstract ? 0 : 1);
        LinuxLibC libc = Native.libc();
        int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new PosixException("socket(AF_UNIX, SOCK_DGRAM|SOCK_CLOEXEC, 0)", Native.errno());
        }
        try {
            byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
            if (libc.sendto(fd, bytes, bytes.length, MSG_NOSIGNAL, address, addressLength) != bytes.length) {
                throw new PosixException("sendto(" + socket + ", \"" + message.replace("\n", "\\n") + "\")", Native.errno());
            }
        } finally {
            Native.posix().close(fd);
        }
    }
}
