package io.forkj.multiprocessing.internal.manager;

import jdk.net.ExtendedSocketOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * A manager's address: a unix socket path (the default, in a private directory) or a TCP host and port (CPython's
 * {@code BaseManager(address=(host, port))}). Also how an address crosses the pipes between the manager and its
 * server process: {@code unix:PATH} or {@code tcp:HOST:PORT}.
 */
public final class ManagerAddress {
    private static final String UNIX = "unix:";
    private static final String TCP = "tcp:";

    private ManagerAddress() {
    }

    /** The text form of {@code address}. */
    public static String format(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress) {
            return UNIX + ((UnixDomainSocketAddress) address).getPath();
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        return TCP + inet.getHostString() + ":" + inet.getPort();
    }

    /** The address {@link #format} wrote. */
    public static SocketAddress parse(String text) {
        if (text.startsWith(UNIX)) {
            return UnixDomainSocketAddress.of(text.substring(UNIX.length()));
        }
        if (text.startsWith(TCP)) {
            int colon = text.lastIndexOf(':');
            return new InetSocketAddress(text.substring(TCP.length(), colon), Integer.parseInt(text.substring(colon + 1)));
        }
        throw new IllegalArgumentException("not a manager address: " + text);
    }

    /**
     * {@code address} if a manager can listen on or connect to it.
     *
     * @throws IllegalArgumentException for another kind of address, or a host name that does not resolve
     */
    public static SocketAddress checked(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress) {
            return address;
        }
        if (address instanceof InetSocketAddress) {
            if (((InetSocketAddress) address).isUnresolved()) {
                throw new IllegalArgumentException("the host of " + address + " does not resolve");
            }
            return address;
        }
        throw new IllegalArgumentException("a manager's address is a UnixDomainSocketAddress or an InetSocketAddress, not "
                + (address == null ? "null" : address.getClass().getName()));
    }

    static ProtocolFamily family(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress) {
            return StandardProtocolFamily.UNIX;
        }
        return ((InetSocketAddress) address).getAddress() instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    /** Seconds a TCP connection may be idle before the kernel probes its peer, then between probes, and how many. */
    static final int KEEPALIVE_IDLE_SECONDS = 30;
    static final int KEEPALIVE_INTERVAL_SECONDS = 10;
    static final int KEEPALIVE_PROBES = 3;

    /**
     * Sets a TCP channel's options: {@code TCP_NODELAY} (a call is one small request and one small answer, each
     * flushed whole: nothing for Nagle to merge) and keep-alive probes, so a peer whose host vanished without a FIN
     * (power, network) is found gone after about a minute of silence: the server then gives its holds back, and a
     * client's call fails instead of waiting for ever.
     */
    static void tuneTcp(SocketChannel channel) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        channel.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, KEEPALIVE_IDLE_SECONDS);
        channel.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, KEEPALIVE_INTERVAL_SECONDS);
        channel.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, KEEPALIVE_PROBES);
    }

    static boolean isTcp(SocketAddress address) {
        return address instanceof InetSocketAddress;
    }

    /** The socket file of a unix address; null for TCP. */
    public static Path path(SocketAddress address) {
        return address instanceof UnixDomainSocketAddress ? ((UnixDomainSocketAddress) address).getPath() : null;
    }

    /**
     * Whether a proxy naming {@code named} belongs to the server listening at {@code served}: the same path, or the
     * same port on the same address (a server listening on every address, {@code 0.0.0.0}, is named by any of its
     * host's).
     */
    static boolean sameServer(SocketAddress served, SocketAddress named) {
        if (served.equals(named)) {
            return true;
        }
        if (!(served instanceof InetSocketAddress) || !(named instanceof InetSocketAddress)) {
            return false;
        }
        InetSocketAddress s = (InetSocketAddress) served;
        InetSocketAddress n = (InetSocketAddress) named;
        if (s.getPort() != n.getPort()) {
            return false;
        }
        InetAddress host = s.getAddress();
        return host.isAnyLocalAddress() ? n.getAddress() != null && isLocal(n.getAddress())
                : host.equals(n.getAddress());
    }

    private static boolean isLocal(InetAddress a) {
        try {
            return a.isLoopbackAddress() || a.isAnyLocalAddress() || java.net.NetworkInterface.getByInetAddress(a) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }
}
