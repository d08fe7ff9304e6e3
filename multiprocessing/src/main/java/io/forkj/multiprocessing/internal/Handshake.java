package io.forkj.multiprocessing.internal;

import io.forkj.multiprocessing.AuthenticationException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;

/**
 * CPython's connection authentication ({@code multiprocessing.connection.deliver_challenge} and
 * {@code answer_challenge}, the 3.12 protocol): each side proves it knows the authkey by returning an HMAC of a
 * random challenge, in both directions, so neither a stranger client nor a stranger server gets through. The key
 * never crosses the socket; comparison is constant-time.
 *
 * <p>Byte for byte CPython's: the challenge is {@code #CHALLENGE#{sha256}} and 40 random bytes; the answer is
 * {@code {sha256}} and the HMAC-SHA256 of everything after {@code #CHALLENGE#}. CPython 3.11 and earlier know no
 * {@code {digest}} prefix: they challenge with 20 bytes and answer with a bare HMAC-MD5 over the whole message, which
 * both sides here accept as CPython 3.12 does, so a forkj listener or client talks to any of them.
 */
public final class Handshake {
    private static final byte[] CHALLENGE = ascii("#CHALLENGE#");
    private static final byte[] WELCOME = ascii("#WELCOME#");
    private static final byte[] FAILURE = ascii("#FAILURE#");
    private static final String DIGEST = "sha256";
    /** CPython's MESSAGE_LENGTH (random bytes of a challenge) and _MD5ONLY_MESSAGE_LENGTH (the least accepted). */
    private static final int NONCE = 40;
    private static final int LEAST_CHALLENGE = 20;
    /** Frames before authentication are small (CPython's _MAX_DIGEST_LEN): a stranger cannot make us allocate. */
    public static final int PRE_AUTH_MAX = 256;
    /** CPython's digest names and the JDK's MAC algorithms for them. */
    private static final Map<String, String> MACS = Map.of("md5", "HmacMD5", "sha256", "HmacSHA256",
            "sha384", "HmacSHA384", "sha512", "HmacSHA512", "sha3_256", "HmacSHA3-256", "sha3_384", "HmacSHA3-384",
            "sha3_512", "HmacSHA3-512");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where the handshake's frames go: a connection, or a manager's streams. */
    public interface Channel {
        /** Sends one frame. */
        void send(byte[] frame) throws IOException;

        /** Receives one frame of at most {@code max} bytes. */
        byte[] receive(int max) throws IOException;
    }

    private Handshake() {
    }

    /** A fresh random authkey (CPython: {@code os.urandom(32)}). */
    public static byte[] newAuthkey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /** The accepting side (CPython's {@code Listener.accept()}): challenge the peer, then answer its challenge. */
    public static void server(Channel channel, byte[] authkey) throws IOException {
        deliver(channel, authkey);
        answer(channel, authkey);
    }

    /** The connecting side (CPython's {@code Client()}): answer the server's challenge, then challenge it. */
    public static void client(Channel channel, byte[] authkey) throws IOException {
        answer(channel, authkey);
        deliver(channel, authkey);
    }

    /** CPython's {@code deliver_challenge}. */
    private static void deliver(Channel channel, byte[] authkey) throws IOException {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        byte[] message = concat(ascii("{" + DIGEST + "}"), nonce);
        channel.send(concat(CHALLENGE, message));
        byte[] response = channel.receive(PRE_AUTH_MAX);
        String prefixed = digestName(response);
        // No {digest} prefix: a CPython 3.11 or older peer's bare HMAC-MD5.
        String digest = prefixed == null ? "md5" : prefixed;
        byte[] mac = prefixed == null ? response : Arrays.copyOfRange(response, prefixed.length() + 2, response.length);
        if (!MACS.containsKey(digest)) {
            channel.send(FAILURE);
            throw new AuthenticationException("the peer answered with digest " + digest + ", which is not supported");
        }
        if (!MessageDigest.isEqual(mac, hmac(digest, authkey, message))) {
            channel.send(FAILURE);
            throw new AuthenticationException("digest received was wrong: the peer does not know the authkey");
        }
        channel.send(WELCOME);
    }

    /** CPython's {@code answer_challenge}. */
    private static void answer(Channel channel, byte[] authkey) throws IOException {
        byte[] received = channel.receive(PRE_AUTH_MAX);
        if (received.length < CHALLENGE.length || !Arrays.equals(Arrays.copyOf(received, CHALLENGE.length), CHALLENGE)) {
            throw new AuthenticationException("protocol error: expected a challenge, got " + received.length + " bytes"
                    + " that do not start with #CHALLENGE#");
        }
        byte[] message = Arrays.copyOfRange(received, CHALLENGE.length, received.length);
        if (message.length < LEAST_CHALLENGE) {
            throw new AuthenticationException("challenge too short: " + message.length + " bytes");
        }
        String digest = digestName(message);
        if (digest == null) {
            channel.send(hmac("md5", authkey, message)); // a CPython 3.11 or older peer
        } else if (MACS.containsKey(digest)) {
            channel.send(concat(ascii("{" + digest + "}"), hmac(digest, authkey, message)));
        } else {
            throw new AuthenticationException("the peer asks for digest " + digest + ", which is not supported");
        }
        byte[] verdict = channel.receive(PRE_AUTH_MAX);
        if (!Arrays.equals(verdict, WELCOME)) {
            throw new AuthenticationException("digest sent was rejected: the authkeys differ");
        }
    }

    /** CPython's {@code _get_digest_name_and_payload}: the name in a leading {@code {name}} (1–20 word characters). */
    private static String digestName(byte[] message) {
        if (message.length == 0 || message[0] != '{') {
            return null;
        }
        for (int i = 1; i < message.length && i <= 21; i++) {
            byte b = message[i];
            if (b == '}') {
                return i == 1 ? null : new String(message, 1, i - 1, StandardCharsets.US_ASCII);
            }
            if (!(b == '_' || (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'))) {
                return null;
            }
        }
        return null;
    }

    private static byte[] hmac(String digest, byte[] key, byte[] message) throws AuthenticationException {
        String algorithm = MACS.get(digest);
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, algorithm));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new AuthenticationException(algorithm + " is not available in this JDK: " + e.getMessage());
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
