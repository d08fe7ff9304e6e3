package io.forkj.posix.internal.fork;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;

/**
 * Free young-generation space, read from the memory-pool beans: what a forked child can allocate before its
 * allocation would need a GC that nothing in the child can run. See {@code Fork.allocationBudget()}.
 */
public final class AllocationBudget {
    private static final long G1_REGION = g1RegionSize();
    /** The eden pools, found once: listing the beans each time cost ~35 us a call. */
    private static final List<MemoryPoolMXBean> EDEN = edenPools();
    private static final boolean G1 = EDEN.stream().anyMatch(p -> p.getName().startsWith("G1"));

    private AllocationBudget() {
    }

    /**
     * Sum over the heap pools named "... Eden Space" (G1, Parallel, Serial) of committed minus used; under G1
     * less a margin of two regions or a tenth of that, whichever is larger, because G1 stops handing out
     * eden regions somewhat before the pool's committed size. Measured on JDK 17, 4 MiB regions, after a GC:
     * default heap, 20 MiB free, a child completed 15 MiB; {@code -Xms1g -Xmx1g -Xmn256m}, 274 MiB free, a
     * child completed 249 MiB. 0 when there is no eden pool (ZGC, Shenandoah, Epsilon): no promise there.
     */
    public static long bytes() {
        long free = 0;
        for (MemoryPoolMXBean pool : EDEN) {
            MemoryUsage usage = pool.getUsage();
            free += Math.max(0, usage.getCommitted() - usage.getUsed());
        }
        return budgetOf(free);
    }

    private static long budgetOf(long freeEden) {
        return Math.max(0, G1 ? freeEden - Math.max(2 * G1_REGION, freeEden / 10) : freeEden);
    }

    /**
     * Whether a forked child would get less than {@code wanted} bytes of budget now while a collection would give
     * it more: eden holds more than {@code wanted}. A small heap whose committed eden is itself below
     * {@code wanted} is not collected before every fork for nothing.
     */
    public static boolean collectionWouldHelp(long wanted) {
        long free = 0;
        long used = 0;
        for (MemoryPoolMXBean pool : EDEN) {
            MemoryUsage usage = pool.getUsage();
            free += Math.max(0, usage.getCommitted() - usage.getUsed());
            used += usage.getUsed();
        }
        return budgetOf(free) < wanted && used > wanted;
    }

    private static List<MemoryPoolMXBean> edenPools() {
        List<MemoryPoolMXBean> eden = new ArrayList<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getName().endsWith("Eden Space")) {
                eden.add(pool);
            }
        }
        return List.copyOf(eden);
    }

    private static long g1RegionSize() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return Long.parseLong(hotspot.getVMOption("G1HeapRegionSize").getValue());
        } catch (RuntimeException | LinkageError notHotSpot) {
            return 4L << 20;
        }
    }
}
