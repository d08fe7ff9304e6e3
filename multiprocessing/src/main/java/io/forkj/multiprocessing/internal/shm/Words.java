package io.forkj.multiprocessing.internal.shm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Atomic access to ints and longs in a {@link SharedSegment}'s buffer through
 * {@link MethodHandles#byteBufferViewVarHandle}: the official API for volatile, compare-and-set and
 * get-and-add on off-heap memory (no {@code Unsafe}). Offsets must be aligned to the type's size. Usage:
 * {@code (int) Words.INT.compareAndSet(buffer, offset, 0, 1)} with exactly these argument types
 * ({@code ByteBuffer, int, int, int}).
 */
public final class Words {
    /** int view: getVolatile, setRelease, compareAndSet, getAndAdd, getAndSet... on a ByteBuffer. */
    public static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    /** long view. */
    public static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private Words() {
    }
}
