package io.forkj.multiprocessing.internal.pool;

import java.util.Map;

/** Small conversions shared by the pool's public faces. */
public final class PoolSupport {
    private PoolSupport() {
    }

    /** A starmap item as the worker receives it: a two-element array. */
    public static Object[] pair(Object item) {
        if (item instanceof Map.Entry) {
            Map.Entry<?, ?> e = (Map.Entry<?, ?>) item;
            return new Object[] {e.getKey(), e.getValue()};
        }
        if (item instanceof Object[] && ((Object[]) item).length == 2) {
            return (Object[]) item;
        }
        throw new IllegalArgumentException("a starmap item must be a Map.Entry (or a two-element Object[]), not "
                + (item == null ? "null" : item.getClass().getName()));
    }

    /**
     * CPython's default {@code chunksize} for {@code map}: {@code ceil(len / (4 * processes))}, so that each worker
     * gets about four chunks.
     */
    public static int defaultChunksize(int items, int processes) {
        if (items == 0) {
            return 1;
        }
        int chunk = items / (processes * 4);
        if (items % (processes * 4) != 0) {
            chunk++;
        }
        return chunk;
    }
}
