package io.forkj.multiprocessing.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InvalidClassException;
import java.io.Serializable;
import java.io.StreamCorruptedException;
import java.util.List;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PayloadTest {
    static final class Holder implements Serializable {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("serial") // what each test puts in: serializable or not, on purpose
        final Object value;

        Holder(Object value) {
            this.value = value;
        }
    }

    private static Object roundTrip(byte[] frame) throws IOException, ClassNotFoundException {
        InputStream in = new ByteArrayInputStream(frame);
        Payload.Header h = Payload.readHeader(in);
        return Payload.readBody(in, h.length);
    }

    @Test
    void aFrameCarriesTheObjectAndNoFdsOutsideResources() throws Exception {
        Payload p = Payload.of(new Holder(List.of("a", 1)), "Process-1");
        assertThat(p.fds()).isEmpty();
        Holder back = (Holder) roundTrip(p.frame());
        assertThat(back.value).isEqualTo(List.of("a", 1));
    }

    @Test
    void exportedFdsTravelInTheHeader() throws Exception {
        Serializable resource = new Serializable() {
            private static final long serialVersionUID = 1L;

            private Object writeReplace() throws java.io.ObjectStreamException {
                return new Holder(FdExport.export(42, "Test"));
            }
        };
        Payload p = Payload.of(new Holder(resource), "Process-2");
        assertThat(p.fds()).containsExactly(42);
        Payload.Header h = Payload.readHeader(new ByteArrayInputStream(p.frame()));
        assertThat(h.fds).containsExactly(42);
        assertThat(h.length).isEqualTo(p.body().length);
    }

    @Test
    void aNonSerializableCaptureIsRefusedNamingItsClass() {
        assertThatThrownBy(() -> Payload.of(new Holder(new Thread()), "Process-3"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot pass Process-3 to a child process: java.lang.Thread is not serializable")
                .hasMessageContaining("cannot pickle 'Thread' object");
    }

    @Test
    void threadLocksAreRefusedThoughJavaCouldSerializeThem() {
        assertThatThrownBy(() -> Payload.of(new Holder(new Semaphore(1)), "Process-4"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.util.concurrent.Semaphore is a thread lock");
    }

    @Test
    void aWrongMagicIsACorruptStream() {
        byte[] frame = Payload.of(new Holder("x"), "P").frame();
        frame[0] = 0;
        assertThatThrownBy(() -> roundTrip(frame)).isInstanceOf(StreamCorruptedException.class)
                .hasMessageContaining("not a forkj process frame");
    }

    @Test
    void anOversizedLengthIsRefusedBeforeAnyAllocation() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(Payload.MAGIC);
        out.writeInt(0);
        out.writeInt(Integer.MAX_VALUE);
        assertThatThrownBy(() -> roundTrip(b.toByteArray())).isInstanceOf(StreamCorruptedException.class)
                .hasMessageContaining(Integer.MAX_VALUE + " bytes, outside 0.." + Payload.MAX_LENGTH);
    }

    @Test
    void aNegativeFdCountIsRefused() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(Payload.MAGIC);
        out.writeInt(-1);
        assertThatThrownBy(() -> roundTrip(b.toByteArray())).isInstanceOf(StreamCorruptedException.class)
                .hasMessageContaining("-1 fds");
    }

    @Test
    void aTruncatedFrameIsAnEndOfFileNotAHang() {
        byte[] frame = Payload.of(new Holder("some text"), "P").frame();
        byte[] cut = java.util.Arrays.copyOf(frame, frame.length - 3);
        assertThatThrownBy(() -> roundTrip(cut)).isInstanceOf(EOFException.class);
    }

    @Test
    void theFilterRejectsAnArrayLargerThanTheFrameCouldHold() throws Exception {
        // A 1-million-element array declared in a frame of a few hundred bytes: the filter refuses it before
        // allocating; a hostile length field cannot make the child allocate gigabytes.
        byte[] frame = Payload.of(new Holder(new int[1_000_000]), "P").frame();
        Payload.Header h = Payload.readHeader(new ByteArrayInputStream(frame));
        ByteArrayInputStream in = new ByteArrayInputStream(frame);
        Payload.readHeader(in);
        byte[] body = in.readAllBytes();
        assertThat(body.length).isEqualTo(h.length);
        // Lie about the length: claim the body is only 200 bytes.
        assertThatThrownBy(() -> Payload.readBody(new ByteArrayInputStream(body), 200))
                .isInstanceOfAny(InvalidClassException.class, EOFException.class, StreamCorruptedException.class);
    }

    @Test
    void theFilterBoundsNestingDepth() throws Exception {
        // Serialization recurses per level: a deep thread stack lets the writer produce what a hostile sender could.
        Throwable[] readError = new Throwable[1];
        Thread deepStack = new Thread(null, () -> {
            Object deep = null;
            for (int i = 0; i < 1100; i++) {
                deep = new Holder(deep);
            }
            byte[] frame = Payload.of(deep, "P").frame();
            try {
                roundTrip(frame);
            } catch (Throwable t) {
                readError[0] = t;
            }
        }, "deep-stack", 512L << 20);
        deepStack.start();
        deepStack.join();
        assertThat(readError[0]).isInstanceOf(InvalidClassException.class).hasMessageContaining("REJECTED");
    }
}
