package io.forkj.multiprocessing;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A name in Linux's abstract unix socket namespace ({@code unix(7)}): Python's address string that starts with a
 * NUL byte, {@code Listener('\0name')}. No file is created, nothing is left behind when the last socket bound to it
 * closes, and {@code /proc/net/unix} and {@code ss -x} show it as {@code @name}. The JDK's
 * {@link java.net.UnixDomainSocketAddress} cannot name one (its path refuses a NUL), so forkj's {@link Listener} and
 * {@link Client} take this instead. The namespace belongs to the network namespace, and file permissions do not
 * guard it: give the listener an authkey.
 */
public final class AbstractUnixAddress extends SocketAddress {
    private static final long serialVersionUID = 1L;
    /** {@code sun_path}'s 108 bytes, less the leading NUL that marks the abstract namespace. */
    public static final int MAX_NAME_BYTES = 107;

    private final byte[] name;

    private AbstractUnixAddress(byte[] name) {
        this.name = name;
    }

    /**
     * The abstract name {@code name} (its UTF-8 bytes, without the leading NUL Python writes): Python's
     * {@code '\0' + name}.
     *
     * @throws IllegalArgumentException if it is empty or longer than {@value #MAX_NAME_BYTES} bytes in UTF-8
     */
    public static AbstractUnixAddress of(String name) {
        return ofBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The abstract name of these bytes (any bytes: the kernel compares them, it does not read them as text).
     *
     * @throws IllegalArgumentException if there are none or more than {@value #MAX_NAME_BYTES}
     */
    public static AbstractUnixAddress ofBytes(byte[] name) {
        if (name.length == 0 || name.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("abstract unix socket name of " + name.length + " bytes: it must be 1 to "
                    + MAX_NAME_BYTES + " bytes (sockaddr_un's sun_path, less its leading NUL)");
        }
        return new AbstractUnixAddress(name.clone());
    }

    /** The name's bytes, without the leading NUL. */
    public byte[] nameBytes() {
        return name.clone();
    }

    /** The name as UTF-8 text (bytes that are not UTF-8 show as U+FFFD). */
    public String name() {
        return new String(name, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AbstractUnixAddress && Arrays.equals(name, ((AbstractUnixAddress) o).name);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name);
    }

    /** {@code @name}, as {@code ss} and {@code /proc/net/unix} write it. */
    @Override
    public String toString() {
        return "@" + name();
    }
}
