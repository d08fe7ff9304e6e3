package io.forkj.multiprocessing.internal;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The compact form of small values: round trips, strings without a UTF-8 form, and corrupt input refused. */
class CompactValuesTest {
    private static final Object[] VALUES = {null, 0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0L, Long.MIN_VALUE,
        Long.MAX_VALUE, 0.0, -0.0, Double.NaN, Double.NEGATIVE_INFINITY, 1.5, true, false, "", "ascii", "\u00e9",
        "\u20ac", "\u5305\u5b50", "\uD83D\uDE00", "mixed a\u00e9\u20ac\uD83D\uDE00z", new byte[0], new byte[] {1, -2, 3}};

    @Test
    void everyValueRoundTripsAloneAndInASequence() {
        for (Object v : VALUES) {
            byte[] b = CompactValues.encodeAlone(v, 2);
            assertThat(b).as("compact form of %s", v).isNotNull();
            assertSame(CompactValues.readAlone(b, 2, b.length, null), v);
        }
        byte[] sequence = CompactValues.encodeSequence(VALUES);
        assertThat(sequence).isNotNull();
        Object[] back = CompactValues.decodeSequence(sequence, null);
        assertThat(back).hasSameSizeAs(VALUES);
        for (int i = 0; i < VALUES.length; i++) {
            assertSame(back[i], VALUES[i]);
        }
        assertThat(CompactValues.decodeSequence(CompactValues.encodeSequence(new Object[0]), null)).isEmpty();
    }

    /** The hand-written UTF-8 encoder against the JDK's, on random strings of every width, surrogate pairs included. */
    @Test
    void stringsAreWrittenExactlyAsTheJdkEncodesThem() {
        Random random = new Random(42);
        for (int round = 0; round < 2_000; round++) {
            StringBuilder s = new StringBuilder();
            for (int i = random.nextInt(40); i > 0; i--) {
                switch (random.nextInt(4)) {
                    case 0 -> s.append((char) random.nextInt(0x80));
                    case 1 -> s.append((char) (0x80 + random.nextInt(0x800 - 0x80)));
                    case 2 -> s.append((char) (0x800 + random.nextInt(0xD800 - 0x800)));
                    default -> s.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000));
                }
            }
            String text = s.toString();
            byte[] jdk = text.getBytes(StandardCharsets.UTF_8);
            byte[] b = CompactValues.encodeAlone(text, 0);
            assertThat(Arrays.copyOfRange(b, 1, b.length)).as("UTF-8 of %s", text).isEqualTo(jdk);
        }
    }

    /** A lone surrogate has no UTF-8 form (the JDK's encoder writes '?'): such a string has no compact form. */
    @Test
    void aStringWithALoneSurrogateHasNoCompactForm() {
        for (String s : List.of("\uD800", "a\uDC00", "x\uD83D", "\uDE00\uD83D", "ok \uD83D\uDE00 then \uDBFF")) {
            assertThat(CompactValues.encodeAlone(s, 0)).as("%s", s).isNull();
            assertThat(CompactValues.encodeSequence(new Object[] {1, s})).isNull();
        }
        assertThat(CompactValues.encodeAlone(List.of(), 0)).isNull();
        assertThat(CompactValues.encodeSequence(new Object[] {1, List.of()})).isNull();
    }

    /** Every cut of a valid sequence, and each field made wrong, is refused with a reason, never read past or over-allocated. */
    @Test
    void corruptSequencesAreRefused() {
        byte[] good = CompactValues.encodeSequence(VALUES);
        for (int cut = 0; cut < good.length; cut++) {
            byte[] shorter = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> CompactValues.decodeSequence(shorter, null)).as("cut at %d", cut)
                    .isInstanceOf(IllegalStateException.class);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> CompactValues.decodeSequence(longer, null)).hasMessageContaining("left over");
        byte[] count = good.clone();
        CompactValues.putInt(count, 1, Integer.MAX_VALUE);
        assertThatThrownBy(() -> CompactValues.decodeSequence(count, null)).hasMessageContaining(Integer.MAX_VALUE + " values");
        byte[] tag = CompactValues.encodeSequence(new Object[] {7});
        tag[5] = 99;
        assertThatThrownBy(() -> CompactValues.decodeSequence(tag, null)).hasMessageContaining("unknown type tag 0x63");
        byte[] length = CompactValues.encodeSequence(new Object[] {"abc"});
        CompactValues.putInt(length, 6, -1);
        assertThatThrownBy(() -> CompactValues.decodeSequence(length, null)).hasMessageContaining("claims -1 bytes");
        byte[] bool = CompactValues.encodeSequence(new Object[] {true});
        bool[6] = 2;
        assertThatThrownBy(() -> CompactValues.decodeSequence(bool, null)).hasMessageContaining("a Boolean of value 2");
    }

    @Test
    void corruptSingleValuesAreRefused() {
        assertThatThrownBy(() -> CompactValues.readAlone(new byte[0], 0, 0, null)).hasMessageContaining("empty value");
        assertThatThrownBy(() -> CompactValues.readAlone(new byte[] {CompactValues.INT, 1, 2}, 0, 3, null))
                .hasMessageContaining("a value at byte 0 is cut short");
        assertThatThrownBy(() -> CompactValues.readAlone(new byte[] {CompactValues.NULL, 0}, 0, 2, null))
                .hasMessageContaining("a value of 2 bytes has 1 bytes left over");
        assertThatThrownBy(() -> CompactValues.readAlone(new byte[] {CompactValues.SERIALIZED, (byte) 0xED}, 0, 2, null))
                .hasMessageContaining("unknown type tag 0xac");
    }

    private static void assertSame(Object got, Object expected) {
        if (expected instanceof byte[]) {
            assertThat((byte[]) got).containsExactly((byte[]) expected);
        } else {
            assertThat(got).isEqualTo(expected);
        }
    }
}
