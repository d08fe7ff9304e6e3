package io.forkj.multiprocessing.internal;

import io.forkj.multiprocessing.UnreadableMessageException;
import org.junit.jupiter.api.Test;

import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Records in the compact form: what takes it and what is serialized instead, what Java serialization guarantees
 * for records (canonical constructor, matching by name, the filter), and corrupt or foreign bytes refused.
 */
class CompactRecordsTest {
    record Point(int x, String label) implements Serializable {
    }

    record Line(Point from, Point to, double width, long id, boolean dashed, Integer boxed, byte[] tag)
            implements Serializable {
    }

    record Empty() implements Serializable {
    }

    record Positive(int n) implements Serializable {
        Positive {
            if (n <= 0) {
                throw new IllegalArgumentException("n must be positive: " + n);
            }
        }
    }

    record Holder(Object value) implements Serializable {
    }

    record Twice(byte[] a, byte[] b) implements Serializable {
    }

    record NotSerializable(int x) {
    }

    record WithFloat(float f) implements Serializable {
    }

    record Shouting(String word) implements Serializable {
        @Override
        public String word() {
            return word.toUpperCase();
        }
    }

    record Replaced(int x) implements Serializable {
        private Object readResolve() {
            return new Replaced(x + 1);
        }
    }

    @Test
    void recordsOfCompactValuesRoundTripAloneAndInSequences() {
        Line line = new Line(new Point(1, "a\u00e9"), null, 2.5, Long.MIN_VALUE, true, null, new byte[] {7, 8});
        for (Object record : new Object[] {new Point(-3, "p"), new Point(0, null), new Empty(), line,
            new Holder(new Holder(new Point(4, "deep")))}) {
            byte[] b = CompactValues.encodeAlone(record, 4);
            assertThat(b).as("compact form of %s", record).isNotNull();
            assertThat(b[4]).isEqualTo(CompactValues.RECORD);
            assertSameRecord(CompactValues.readAlone(b, 4, b.length, null), record);
        }
        // As Java serialization does, the component's field travels, not what its accessor computes.
        byte[] shouting = CompactValues.encodeAlone(new Shouting("quiet"), 0);
        assertThat(read(shouting)).isEqualTo(new Shouting("quiet"));
        Object[] mixed = {1, new Point(2, "two"), "three", line, null};
        Object[] back = CompactValues.decodeSequence(CompactValues.encodeSequence(mixed), null);
        assertThat(back[0]).isEqualTo(1);
        assertThat(back[1]).isEqualTo(new Point(2, "two"));
        assertThat(back[2]).isEqualTo("three");
        assertSameRecord(back[3], line);
        assertThat(back[4]).isNull();
        assertThat(mixed[1]).as("the caller's array is left as it was").isInstanceOf(Point.class);
    }

    @Test
    void recordsJavaSerializationMustHandleAreLeftToIt() {
        assertThat(CompactValues.encodeAlone(new Holder(List.of(1)), 0)).as("a component with no compact form").isNull();
        assertThat(CompactValues.encodeAlone(new Holder("lone \uD800"), 0)).as("a string with no UTF-8 form").isNull();
        assertThat(CompactValues.encodeAlone(new NotSerializable(1), 0)).as("not Serializable").isNull();
        assertThat(CompactValues.encodeAlone(new WithFloat(1f), 0)).as("a float component").isNull();
        assertThat(CompactValues.encodeAlone(new Replaced(1), 0)).as("readResolve").isNull();
        assertThat(CompactValues.encodeSequence(new Object[] {1, new Holder(List.of())})).isNull();
        byte[] shared = {1, 2};
        assertThat(CompactValues.encodeAlone(new Line(null, null, 0, 0, false, null, shared), 0))
                .as("one array once").isNotNull();
        assertThat(CompactValues.encodeAlone(new Holder(new Twice(shared, shared)), 0))
                .as("one array twice: Java serialization keeps it one array").isNull();
        Twice twice = (Twice) decode(MessageCodec.encode(new Twice(shared, shared)), null);
        assertThat(twice.a()).isSameAs(twice.b()).containsExactly(1, 2);
        assertThat(CompactValues.encodeAlone(new Twice(shared, shared.clone()), 0)).as("equal arrays").isNotNull();
        Object deep = new Point(0, "bottom");
        for (int i = 0; i <= CompactRecords.MAX_DEPTH + 1; i++) {
            deep = new Holder(deep);
        }
        assertThat(CompactValues.encodeAlone(deep, 0)).as("nested deeper than the limit").isNull();

        // Through a message they still arrive, by Java serialization, with its semantics.
        MessageCodec.Encoded replaced = MessageCodec.encode(new Replaced(1));
        assertThat(replaced.bytes()[MessageCodec.HEADER]).isEqualTo(CompactValues.SERIALIZED);
        assertThat(decode(replaced, null)).isEqualTo(new Replaced(2));
        assertThat(decode(MessageCodec.encode(new Holder(List.of(1))), null)).isEqualTo(new Holder(List.of(1)));
        assertThat(decode(MessageCodec.encode(deep), null)).isEqualTo(deep);
        assertThatThrownBy(() -> MessageCodec.encode(new NotSerializable(1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(NotSerializable.class.getName());
    }

    /** As Java serialization does for records: components matched by name, missing ones default, extra ones ignored. */
    @Test
    void componentsAreMatchedByName() {
        String point = Point.class.getName();
        assertThat(read(record(point + "(label,x)", "a", 3))).isEqualTo(new Point(3, "a"));
        assertThat(read(record(point + "(x)", 3))).isEqualTo(new Point(3, null));
        assertThat(read(record(point + "(label)", "only"))).isEqualTo(new Point(0, "only"));
        assertThat(read(record(point + "(x,label,extra)", 3, "a", 99L))).isEqualTo(new Point(3, "a"));
        assertThatThrownBy(() -> read(record(point + "(x,label)", "3", "a")))
                .isInstanceOf(CompactValues.UnreadableValue.class)
                .hasMessageContaining("component 1 of type int here, but a java.lang.String was sent");
        assertThatThrownBy(() -> read(record(point + "(x,label)", null, "a")))
                .hasMessageContaining("component 1 of type int here, but a null was sent");
    }

    @Test
    void theCanonicalConstructorValidatesWhatArrives() {
        byte[] good = CompactValues.encodeAlone(new Positive(5), 0);
        assertThat(read(good)).isEqualTo(new Positive(5));
        byte[] forged = good.clone();
        CompactValues.putInt(forged, forged.length - 4, -1);
        assertThatThrownBy(() -> read(forged)).isInstanceOf(CompactValues.UnreadableValue.class)
                .hasMessageContaining("Positive's canonical constructor refused the values")
                .hasMessageContaining("n must be positive: -1");
    }

    @Test
    void foreignClassesAreRefusedNamingThem() {
        assertThatThrownBy(() -> read(record("com.example.Missing(x)", 1)))
                .isInstanceOf(CompactValues.UnreadableValue.class)
                .hasMessageContaining("record of class com.example.Missing, which is not on this process's class path");
        assertThatThrownBy(() -> read(record("java.lang.String(value)", 1)))
                .hasMessageContaining("names class java.lang.String as a serializable record, which it is not here");
        assertThatThrownBy(() -> read(record(NotSerializable.class.getName() + "(x)", 1)))
                .hasMessageContaining("as a serializable record, which it is not here");
        assertThatThrownBy(() -> read(record("no parenthesis", 1))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not Name(component,...)");
    }

    @Test
    void theConnectionsFilterSeesEveryRecordClass() {
        ObjectInputFilter noLines = info -> info.serialClass() == Line.class
                ? ObjectInputFilter.Status.REJECTED : ObjectInputFilter.Status.UNDECIDED;
        Line line = new Line(new Point(1, "a"), new Point(2, "b"), 1, 2, false, 3, null);
        assertThatThrownBy(() -> decode(MessageCodec.encode(line), noLines))
                .isInstanceOf(UnreadableMessageException.class)
                .hasMessageContaining("it was rejected by the connection's deserialization filter: the connection's"
                        + " filter rejected " + Line.class.getName());
        ObjectInputFilter noPoints = info -> info.serialClass() == Point.class
                ? ObjectInputFilter.Status.REJECTED : ObjectInputFilter.Status.UNDECIDED;
        assertThatThrownBy(() -> decode(MessageCodec.encode(line), noPoints))
                .as("a nested record's class too").hasMessageContaining("filter rejected " + Point.class.getName());
        java.util.List<Long> depths = new java.util.ArrayList<>();
        decode(MessageCodec.encode(new Holder(new Holder(new Point(1, "x")))), info -> {
            depths.add(info.depth());
            return ObjectInputFilter.Status.UNDECIDED;
        });
        assertThat(depths).containsExactly(1L, 2L, 3L);
    }

    @Test
    void everyCutOfARecordIsRefusedAsCorrupt() {
        byte[] good = CompactValues.encodeSequence(new Object[] {new Line(new Point(1, "a"), new Point(2, "b"), 1, 2,
                true, 3, new byte[] {4})});
        for (int cut = 0; cut < good.length; cut++) {
            byte[] shorter = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> CompactValues.decodeSequence(shorter, null)).as("cut at %d", cut)
                    .isInstanceOf(IllegalStateException.class);
        }
        byte[] alone = CompactValues.encodeAlone(new Point(1, "a"), 0);
        byte[] longer = Arrays.copyOf(alone, alone.length + 1);
        assertThatThrownBy(() -> read(longer)).hasMessageContaining("1 bytes left over");
    }

    /** A record's bytes with a shape written by hand, its values in sequence form. */
    private static byte[] record(String shape, Object... values) {
        byte[] name = shape.getBytes(StandardCharsets.UTF_8);
        byte[] sequence = CompactValues.encodeSequence(values);
        byte[] b = new byte[3 + name.length + sequence.length - 5];
        b[0] = CompactValues.RECORD;
        b[1] = (byte) (name.length >>> 8);
        b[2] = (byte) name.length;
        System.arraycopy(name, 0, b, 3, name.length);
        System.arraycopy(sequence, 5, b, 3 + name.length, sequence.length - 5);
        return b;
    }

    private static Object read(byte[] b) {
        return CompactValues.readAlone(b, 0, b.length, null);
    }

    private static Object decode(MessageCodec.Encoded e, ObjectInputFilter filter) {
        byte[] body = Arrays.copyOfRange(e.bytes(), MessageCodec.HEADER, e.length());
        return MessageCodec.decode(body, body.length, filter);
    }

    private static void assertSameRecord(Object got, Object expected) {
        if (expected instanceof Line line) {
            Line back = (Line) got;
            assertThat(back).usingRecursiveComparison().ignoringFields("tag").isEqualTo(line);
            assertThat(back.tag()).containsExactly(line.tag());
        } else {
            assertThat(got).isEqualTo(expected);
        }
    }
}
