package io.forkj.multiprocessing.internal.manager;

import io.forkj.multiprocessing.AuthenticationException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * CPython's connection authentication ({@code multiprocessing.connection.deliver_challenge} and
 * {@code answer_challenge}): each side proves it knows the authkey by returning the HMAC-SHA256 of a random
 * challenge, in both directions, so neither a stranger client nor a stranger server gets through. The key itself
 * never crosses the socket; comparison is constant-time.
 */
public final class Handshake {
    private static final byte[] CHALLENGE = "#CHALLENGE#{sha256}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WELCOME = "#WELCOME#".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FAILURE = "#FAILURE#".getBytes(StandardCharsets.US_ASCII);
    private static final int NONCE = 40;
    /** Frames before authentication are small: a stranger cannot make us allocate. */
    static final int PRE_AUTH_MAX = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {
    }

    /** A fresh random authkey (CPython: {@code os.urandom(32)}). */
    public static byte[] newAuthkey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    /** The server's side: challenge the peer, then answer its challenge. */
    static void server(DataInputStream in, DataOutputStream out, byte[] authkey) throws IOException {
        deliver(in, out, authkey);
        answer(in, out, authkey);
    }

    /** The client's side: answer the server's challenge, then challenge it. */
    static void client(DataInputStream in, DataOutputStream out, byte[] authkey) throws IOException {
        answer(in, out, authkey);
        deliver(in, out, authkey);
    }

    private static void deliver(DataInputStream in, DataOutputStream out, byte[] authkey) throws IOException {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        byte[] message = concat(CHALLENGE, nonce);
        Frames.write(out, message);
        byte[] response = Frames.read(in, PRE_AUTH_MAX);
        if (!MessageDigest.isEqual(response, hmac(authkey, message))) {
            Frames.write(out, FAILURE);
            throw new AuthenticationException("digest received was wrong: the peer does not know the authkey");
        }
        Frames.write(out, WELCOME);
    }

    private static void answer(DataInputStream in, DataOutputStream out, byte[] authkey) throws IOException {
        byte[] message = Frames.read(in, PRE_AUTH_MAX);
        if (message.length < CHALLENGE.length
                || !Arrays.equals(Arrays.copyOf(message, CHALLENGE.length), CHALLENGE)) {
            throw new AuthenticationException("protocol error: expected a challenge");
        }
        Frames.write(out, hmac(authkey, message));
        byte[] verdict = Frames.read(in, PRE_AUTH_MAX);
        if (!Arrays.equals(verdict, WELCOME)) {
            throw new AuthenticationException("digest sent was rejected: the authkeys differ");
        }
    }

    private static byte[] hmac(byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
