package io.forkj.multiprocessing.internal;

import io.forkj.multiprocessing.AbstractUnixAddress;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code struct sockaddr} bytes for the socket calls, from and to the JDK's address types: a file-system
 * {@link UnixDomainSocketAddress} ({@code sockaddr_un}), an {@link AbstractUnixAddress} (the same, its path a NUL
 * and the name), an {@link InetSocketAddress} for IPv4 ({@code sockaddr_in})
 * or IPv6 ({@code sockaddr_in6}). Python's address forms are a path string and a {@code (host, port)} tuple.
 */
public final class SocketAddresses {
    /** {@code AF_UNIX}. */
    public static final int AF_UNIX = 1;
    /** {@code AF_INET}. */
    public static final int AF_INET = 2;
    /** {@code AF_INET6}. */
    public static final int AF_INET6 = 10;
    /** Bytes a {@code sockaddr_un}'s path may hold, its terminating NUL included. */
    private static final int UNIX_PATH = 108;
    /** Large enough for any of the three. */
    public static final int MAX = 2 + UNIX_PATH;

    private SocketAddresses() {
    }

    /** The address family of {@code address}: {@link #AF_UNIX}, {@link #AF_INET} or {@link #AF_INET6}. */
    public static int family(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress || address instanceof AbstractUnixAddress) {
            return AF_UNIX;
        }
        if (address instanceof InetSocketAddress) {
            return resolve((InetSocketAddress) address) instanceof Inet6Address ? AF_INET6 : AF_INET;
        }
        throw new IllegalArgumentException("address " + address + " is not a UnixDomainSocketAddress, an"
                + " AbstractUnixAddress or an InetSocketAddress");
    }

    /**
     * The {@code struct sockaddr} for {@code address}.
     *
     * @throws IllegalArgumentException for a unix path longer than 107 bytes, an empty one, or an unknown host
     */
    public static byte[] encode(SocketAddress address) {
        int family = family(address);
        ByteBuffer b = ByteBuffer.allocate(family == AF_UNIX ? MAX : family == AF_INET ? 16 : 28);
        b.order(ByteOrder.nativeOrder()).putShort((short) family).order(ByteOrder.BIG_ENDIAN);
        if (address instanceof AbstractUnixAddress) {
            // a leading NUL, then the name; the length says where it ends (no terminating NUL)
            byte[] name = ((AbstractUnixAddress) address).nameBytes();
            b.put((byte) 0).put(name);
            return Arrays.copyOf(b.array(), 2 + 1 + name.length);
        }
        if (family == AF_UNIX) {
            byte[] path = ((UnixDomainSocketAddress) address).getPath().toString().getBytes(StandardCharsets.UTF_8);
            if (path.length == 0 || path.length >= UNIX_PATH) {
                throw new IllegalArgumentException("unix socket path " + address + " is " + path.length
                        + " bytes: it must be 1 to " + (UNIX_PATH - 1) + " bytes (sockaddr_un)");
            }
            b.put(path).put((byte) 0);
            return Arrays.copyOf(b.array(), 2 + path.length + 1);
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        InetAddress ip = resolve(inet);
        b.putShort((short) inet.getPort());
        if (family == AF_INET6) {
            b.putInt(0).put(ip.getAddress()).order(ByteOrder.nativeOrder()).putInt(((Inet6Address) ip).getScopeId());
        } else {
            b.put(ip.getAddress());
        }
        return b.array();
    }

    /** The address in the first {@code length} bytes of a {@code struct sockaddr}; null for an unnamed unix socket. */
    public static SocketAddress decode(byte[] sockaddr, int length) {
        ByteBuffer b = ByteBuffer.wrap(sockaddr, 0, length);
        int family = b.order(ByteOrder.nativeOrder()).getShort() & 0xffff;
        b.order(ByteOrder.BIG_ENDIAN);
        try {
            if (family == AF_UNIX && length > 2 && sockaddr[2] == 0) {
                return AbstractUnixAddress.ofBytes(Arrays.copyOfRange(sockaddr, 3, length));
            }
            if (family == AF_UNIX) {
                int end = 2;
                while (end < length && sockaddr[end] != 0) {
                    end++;
                }
                return end == 2 ? null : UnixDomainSocketAddress.of(new String(sockaddr, 2, end - 2, StandardCharsets.UTF_8));
            }
            int port = b.getShort() & 0xffff;
            if (family == AF_INET) {
                byte[] ip = new byte[4];
                b.get(ip);
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
            if (family == AF_INET6) {
                b.getInt();
                byte[] ip = new byte[16];
                b.get(ip);
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
        throw new IllegalArgumentException("address family " + family + " is not AF_UNIX, AF_INET or AF_INET6");
    }

    private static InetAddress resolve(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("host " + address.getHostString() + " of " + address + " is unknown");
        }
        return ip;
    }
}
