package io.forkj.posix.internal.fork;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * Free young-generation space, read from the memory-pool beans: what a forked child can allocate before its
 * allocation would need a GC that nothing in the child can run. See {@code Fork.allocationBudget()}.
 */
public final class AllocationBudget {
    private static final long G1_REGION = hotspotOption("G1HeapRegionSize", 4L << 20);
    /**
     * JDK 17's G1 reports as eden's committed size its young list's <em>maximum</em> length, which lets eden grow by
     * {@code GCLockerEdenExpansionPercent} (5) past the length at which it collects: measured, a collection at
     * 604 MiB used of 644 MiB committed, 1,204 of 1,276 (single allocating thread, 64 KiB arrays, 4 MiB regions).
     * JDK 25 has no such flag and collects one region short of committed (940 of 944). 0 where the flag is gone.
     */
    private static final long EDEN_EXPANSION_PERCENT = hotspotOption("GCLockerEdenExpansionPercent", 0);
    /** The eden pools, found once: listing the beans each time cost ~35 us a call. */
    private static final MemoryPoolMXBean[] EDEN = edenPools();
    private static final boolean G1 = List.of(EDEN).stream().anyMatch(p -> p.getName().startsWith("G1"));
    private static final List<GarbageCollectorMXBean> COLLECTORS = ManagementFactory.getGarbageCollectorMXBeans();
    /**
     * A forked child with less budget than this (or than half of what a collection would give, on a small heap)
     * does not start its body: see {@link #shortInChild()}. A FORK target that throws allocates its exception,
     * stack trace and report; a body of a few calls needs far less.
     */
    public static final long START_BUDGET = 8L << 20;
    /** Where {@link #awaitRoom} drops what it allocates. */
    private static volatile Object garbage;

    private AllocationBudget() {
    }

    /**
     * Sum over the heap pools named "... Eden Space" (G1, Parallel, Serial) of what can be allocated before a
     * collection is due: committed minus used; under G1, the committed size less its expansion allowance (see
     * {@link #EDEN_EXPANSION_PERCENT}), minus used, minus two regions (the regions being filled count as used only
     * once full). Before that correction the budget read 40 to 72 MiB at the very moment JDK 17 collected, and a
     * FORK start that trusted it stalled in the child's first allocations. 0 when there is no eden pool (ZGC,
     * Shenandoah, Epsilon): no promise there.
     */
    public static long bytes() {
        long budget = 0;
        for (MemoryPoolMXBean pool : EDEN) {
            MemoryUsage usage = pool.getUsage();
            budget += budgetOf(usage.getCommitted(), usage.getUsed());
        }
        return budget;
    }

    /**
     * 1 if this process's eden, as its own copy of the pools reads, leaves less than {@link #START_BUDGET} (or half of
     * what a collection would give, whichever is smaller); else 0. A forked child asks this before its body:
     * another thread of the parent allocating while the fork was prepared can have used eden up after the parent
     * read its budget (gdb on such a child: {@code G1CollectedHeap::attempt_allocation_slow} to
     * {@code VMThread::execute} in its first TLAB refill). Its outcome takes no branch, so the child runs the code
     * the parent compiled whichever way it comes out.
     */
    public static int shortInChild() {
        long budget = 0;
        long afterCollection = 0;
        for (MemoryPoolMXBean pool : EDEN) {
            MemoryUsage usage = pool.getUsage();
            budget += budgetOf(usage.getCommitted(), usage.getUsed());
            afterCollection += budgetOf(usage.getCommitted(), 0);
        }
        long wanted = Math.min(START_BUDGET, afterCollection / 2);
        return (int) ((budget - wanted) >>> 63);
    }

    /**
     * After a child found eden too full to start: waits up to {@code nanos} for a young collection, bringing it on by
     * allocating garbage here (eden was nearly full, so little is needed; another thread that allocates may bring
     * it first), under {@code gate}, the fork's GC gate, so that its safepoint is not copied into another thread's
     * fork. {@code System.gc()} only if none came: a full collection costs more and leaves G1 a smaller eden.
     */
    public static void awaitRoom(long nanos, Lock gate) {
        gate.lock();
        try {
            long collections = collections();
            long deadline = System.nanoTime() + nanos;
            while (collections() == collections) {
                if (System.nanoTime() - deadline >= 0) {
                    System.gc();
                    return;
                }
                for (int i = 0; i < 16; i++) {
                    garbage = new byte[64 << 10];
                }
            }
        } finally {
            gate.unlock();
        }
    }

    private static long collections() {
        long sum = 0;
        for (GarbageCollectorMXBean collector : COLLECTORS) {
            sum += Math.max(0, collector.getCollectionCount());
        }
        return sum;
    }

    private static long budgetOf(long committed, long used) {
        long capacity = G1 ? committed * 100 / (100 + EDEN_EXPANSION_PERCENT) - 2 * G1_REGION : committed;
        return Math.max(0, capacity - used);
    }

    /**
     * Whether a forked child would get less than {@code wanted} bytes of budget now while a collection would give
     * it more: eden holds more than {@code wanted}. A small heap whose committed eden is itself below
     * {@code wanted} is not collected before every fork for nothing.
     */
    public static boolean collectionWouldHelp(long wanted) {
        long budget = 0;
        long used = 0;
        for (MemoryPoolMXBean pool : EDEN) {
            MemoryUsage usage = pool.getUsage();
            budget += budgetOf(usage.getCommitted(), usage.getUsed());
            used += usage.getUsed();
        }
        return budget < wanted && used > wanted;
    }

    private static MemoryPoolMXBean[] edenPools() {
        List<MemoryPoolMXBean> eden = new ArrayList<>();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getName().endsWith("Eden Space")) {
                eden.add(pool);
            }
        }
        return eden.toArray(new MemoryPoolMXBean[0]);
    }

    /** A HotSpot flag's value, or {@code absent} where this JVM does not have it. */
    private static long hotspotOption(String name, long absent) {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return Long.parseLong(hotspot.getVMOption(name).getValue());
        } catch (RuntimeException | LinkageError notThere) {
            return absent;
        }
    }
}
