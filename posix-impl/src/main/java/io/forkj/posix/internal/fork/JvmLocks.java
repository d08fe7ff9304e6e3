package io.forkj.posix.internal.fork;

import io.forkj.posix.internal.proc.Mapping;
import io.forkj.posix.internal.proc.ProcFs;
import io.forkj.posix.internal.proc.ProcParser;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * HotSpot's global VM locks ({@code MethodCompileQueue_lock}, {@code SystemDictionary_lock}, {@code Heap_lock},
 * ...), found in the parent so that a forked child can tell, before its body starts, whether one of them was
 * held by another thread at the fork. Such a lock stays held for ever in the child, since its owner was not
 * copied; the child would block on it at its first JIT request or link resolution (seen with gdb on stalled
 * children: 87 of 90 in-body stalls waited on {@code MethodCompileQueue_lock}, 3 on
 * {@code SystemDictionary_lock}). A child that finds one held gives up before its body, and the parent forks again.
 * The same symbol table gives HotSpot's safepoint counter and state, which the parent reads around each fork
 * ({@link #awaitNoSafepoint(long)}, {@link #safepointCounter()}).
 *
 * <p>How they are found: the lock pointers are global symbols of {@code libjvm.so} (its ELF {@code .symtab}, which
 * OpenJDK builds keep), relocated with the library's base from {@code /proc/self/maps}. Each {@code Mutex} object
 * starts with its owner, then the {@code pthread_mutex_t} (whose first int is 0 when free), a
 * {@code pthread_cond_t}, and a pointer to its name (JDK 17 to 25, x86-64 and aarch64 glibc). A lock is used
 * only if its object, read through {@code /proc/self/mem} (which fails instead of crashing on a wrong address),
 * carries its own symbol's name there; anything else (a stripped library, another layout) leaves the set empty
 * and the fork as it was without this check.
 */
public final class JvmLocks {
    /**
     * The locks on the paths a child body can take without loading a class: a JIT request from a counter
     * overflow (method data, the compile queue), call-site and adapter linking, JNI handle blocks (every jnr call),
     * allocation beyond a TLAB, a safepoint poll, metaspace growing under a method's first counters or profile
     * ({@code Metaspace_lock}: a class loader's metaspace takes it for a new or larger chunk). Not every VM lock: parent threads hold some of the others most
     * of the time ({@code Compile_lock} while the JIT installs code, {@code PeriodicTask_lock}), and checking those
     * made 40% of forks beside a busy JIT start again (measured, 8 forking threads and an allocating one).
     */
    private static final Set<String> CHILD_PATH_LOCKS = Set.of(
            "MethodCompileQueue_lock", "MethodData_lock", "SystemDictionary_lock", "Heap_lock", "FreeList_lock",
            "CodeCache_lock", "AdapterHandlerLibrary_lock", "SignatureHandlerLibrary_lock", "VtableStubs_lock",
            "InlineCacheBuffer_lock", "CompiledIC_lock", "Patching_lock", "MultiArray_lock",
            "JmethodIdCreation_lock", "JNIHandleBlockFreeList_lock", "RetData_lock", "OopMapCacheAlloc_lock",
            "ExceptionCache_lock", "SymbolArena_lock", "Threads_lock", "Metaspace_lock");
    private static final int MUTEX_WORD = 8;
    private static final String NULL_CLD = "_ZN15ClassLoaderData27_the_null_class_loader_dataE";
    private static final String CLD_HEAD = "_ZN20ClassLoaderDataGraph5_headE";
    /**
     * {@code ThreadCritical}'s plain {@code pthread_mutex_t} (JDK 17 to 23; JDK 24 removed ThreadCritical): every
     * arena chunk allocation takes it, such as a child's first {@code String.intern}. A FORK target's first
     * {@code System.out.println} in a young JVM stalled on it in 2 of 40 tries (gdb: {@code ChunkPool::allocate}
     * from {@code StringTable::intern}), the parent's compiler threads holding it at the fork.
     */
    private static final String THREAD_CRITICAL = "_ZL8tc_mutex";
    /**
     * What replaced {@code tc_mutex} for arena chunks in JDK 24: a pointer to a {@code PlatformMutex} (a plain
     * {@code pthread_mutex_t} first). A FORK child's first class linking ({@code Rewriter} growing its arena)
     * stalled on it in 4 of 100 young JDK 25 JVMs (gdb: {@code ChunkPool::allocate_chunk} from
     * {@code Rewriter::Rewriter}), the parent's compiler threads holding it at the fork.
     */
    private static final String CHUNK_POOL_MUTEX = "_ZL20GlobalChunkPoolMutex";
    /** glibc's {@code pthread_mutex_t.__kind}: the mutex kinds HotSpot's PlatformMutex can have. */
    private static final int MUTEX_KIND = 16;
    /** glibc's {@code PTHREAD_MUTEX_ELISION_NP | PTHREAD_MUTEX_NO_ELISION_NP} bits of the kind (JDK 25's has 0x200). */
    private static final int MUTEX_ELISION_FLAGS = 0x300;
    /** The name the class loader data's metaspace lock carries: JDK 17's, then JDK 21's and later. */
    private static final Set<String> METASPACE_LOCK = Set.of("Metaspace allocation lock", "MetaspaceAllocation_lock");
    private static final String[] PERMANENT_LOADERS = {"the boot", "the platform", "the application"};
    private static final int CLD_SCAN_BYTES = 512;
    private static final int NAME_POINTER = 96;
    private static final int SHT_SYMTAB = 2;
    private static final int STT_OBJECT = 1;
    /**
     * HotSpot's safepoint counter (odd while a safepoint is under way) and state (0 when none is), globals of
     * {@code libjvm.so} like the lock pointers (JDK 17 to 25).
     */
    private static final String SAFEPOINT_COUNTER = "_ZN20SafepointSynchronize18_safepoint_counterE";
    private static final String SAFEPOINT_STATE = "_ZN20SafepointSynchronize6_stateE";
    private static final byte[] COUNTER_SUFFIX = "_counterE".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] STATE_SUFFIX = "_stateE".getBytes(StandardCharsets.ISO_8859_1);
    /**
     * HotSpot's {@code CompileBroker::_should_compile_new_jobs} (JDK 17 to 25): 1 while the JIT takes new jobs.
     * {@code CompileBroker::compile_method} and the compilation policy return before the compile queue's lock when
     * it is not 1, as when the code cache is full for good ({@value #SHUTDOWN_COMPILATION}, "shutdown").
     */
    private static final String COMPILE_NEW_JOBS = "_ZN13CompileBroker24_should_compile_new_jobsE";
    private static final byte[] JOBS_SUFFIX = "_jobsE".getBytes(StandardCharsets.ISO_8859_1);
    private static final int RUN_COMPILATION = 1;
    private static final int SHUTDOWN_COMPILATION = 2;
    private static final JvmLocks NONE = new JvmLocks(List.of(), List.of(), null, null, null);
    private static volatile JvmLocks found;
    /** Whether the search met libjvm.so's symbols at all (set before {@link #found}, read after it). */
    private static volatile boolean symbolsSeen;

    private final String[] names;
    private final Pointer[] words;
    private final Pointer safepointCounter;
    private final Pointer safepointState;
    private final Pointer compileNewJobs;

    private JvmLocks(List<String> names, List<Pointer> words, Pointer safepointCounter, Pointer safepointState,
                     Pointer compileNewJobs) {
        this.names = names.toArray(new String[0]);
        this.words = words.toArray(new Pointer[0]);
        this.safepointCounter = safepointCounter;
        this.safepointState = safepointState;
        this.compileNewJobs = compileNewJobs;
    }

    /** The locks of this JVM, found once; empty where they cannot be found safely. */
    public static JvmLocks ofThisJvm() {
        JvmLocks result = found;
        if (result == null) {
            synchronized (JvmLocks.class) {
                result = found;
                if (result == null) {
                    result = find();
                    found = result;
                }
            }
        }
        return result;
    }

    /**
     * One lock, {@code TestStandIn_lock}, always held: for tests of the retry, and for warm-ups, so that the JIT
     * compiles {@link #firstHeld()} with its "held" branch instead of a trap there.
     */
    public static JvmLocks heldStandIn() {
        return HELD_STAND_IN;
    }

    /**
     * One lock, {@code FreeStandIn_lock}, never held: for the warm-up's run of the child path, and for the attempts
     * a test makes stall on purpose, which a real lock held at their fork must not turn into a "lock held" exit.
     */
    public static JvmLocks freeStandIn() {
        return FREE_STAND_IN;
    }

    /**
     * A stand-in: one "lock" on the given word (an int, 0 = free), and a stand-in for the JIT's new-jobs flag, so
     * that a warm-up runs {@link #stopCompiling()} without touching the real one.
     */
    private static JvmLocks single(String name, Pointer word) {
        return new JvmLocks(List.of(name), List.of(word), null, null, STAND_IN_JOBS_FLAG);
    }

    private static final Pointer HELD_MEMORY = Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true);
    private static final Pointer STAND_IN_JOBS_MEMORY = Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true);
    private static final Pointer STAND_IN_JOBS_FLAG =
            Runtime.getSystemRuntime().getMemoryManager().newPointer(STAND_IN_JOBS_MEMORY.address());

    private static final Pointer FREE_MEMORY = Memory.allocateDirect(Runtime.getSystemRuntime(), 8, true);

    private static final JvmLocks HELD_STAND_IN = single("TestStandIn_lock", word(HELD_MEMORY, 1));
    private static final JvmLocks FREE_STAND_IN = single("FreeStandIn_lock", word(FREE_MEMORY, 0));

    /** The same kind of pointer as the real locks', so that the child's check sees one receiver class. */
    private static Pointer word(Pointer memory, int value) {
        Pointer word = Runtime.getSystemRuntime().getMemoryManager().newPointer(memory.address());
        word.putInt(0, value);
        return word;
    }

    /** Whether this JVM's libjvm.so carries the symbol table the locks are found with. */
    public static boolean symbolsAvailable() {
        ofThisJvm();
        return symbolsSeen;
    }

    /**
     * In a forked child, before its body: tells HotSpot's compile broker to take no new job ("shutdown", as when
     * the code cache is full for good), so that a method whose counters cross a JIT threshold in the child stays
     * interpreted instead of entering the compile queue's lock (which a parent compiler thread may have held at the
     * fork; 87 of 90 in-body stalls seen with gdb waited on it) or waiting for a compiler thread the child does not
     * have. The child's copy of the flag is its own. Nothing where the flag was not found.
     */
    public void stopCompiling() {
        if (compileNewJobs != null) {
            compileNewJobs.putInt(0, SHUTDOWN_COMPILATION);
        }
    }

    /**
     * The address of HotSpot's new-jobs flag that {@link #stopCompiling()} writes in a child (the same in the
     * parent and its forked children), or 0 where it was not found; tests read a child's copy through
     * {@code /proc/PID/mem}.
     */
    public long compileJobsFlagAddress() {
        return compileNewJobs == null ? 0 : compileNewJobs.address();
    }

    /** How many locks this checks. */
    public int count() {
        return words.length;
    }

    /**
     * The index of the first lock held (its pthread mutex word not 0), or -1. Allocates nothing and calls
     * nothing in the VM: it runs in a forked child before its body.
     */
    public int firstHeld() {
        for (int i = 0; i < words.length; i++) {
            if (words[i].getInt(0) != 0) {
                return i;
            }
        }
        return -1;
    }

    /** The symbol name of lock {@code index}, as {@link #firstHeld()} numbers them. */
    public String name(int index) {
        return names[index];
    }

    /**
     * HotSpot's safepoint counter now, or -1 where it was not found. It changes when a safepoint begins and when it
     * ends. A fork whose parent saw the same even value before and after it copied a JVM with no safepoint under
     * way; one that saw it change may have copied one, and a child that returns from {@code fork()} into Java
     * during a safepoint parks at the safepoint barrier for ever (gdb: {@code SafepointSynchronize::block} from
     * {@code check_special_condition_for_native_trans}), before anything of its own has run.
     */
    public long safepointCounter() {
        return safepointCounter == null ? -1 : safepointCounter.getLong(0);
    }

    /**
     * Whether a fork between two readings of {@link #safepointCounter()} ({@code before} from
     * {@link #awaitNoSafepoint(long)}, {@code after} once {@code fork()} returned) may have copied a safepoint under
     * way: the counter moved, or was odd already. Never where the counter was not found (-1).
     */
    public static boolean mayHaveCopiedSafepoint(long before, long after) {
        return before >= 0 && (after != before || (before & 1) == 1);
    }

    /**
     * Waits, at most {@code maxNanos}, until no safepoint is under way (another thread's GC, a deoptimization),
     * and returns the safepoint counter then ({@link #safepointCounter()}); -1 where it was not found.
     */
    public long awaitNoSafepoint(long maxNanos) {
        if (safepointCounter == null) {
            return -1;
        }
        long end = System.nanoTime() + maxNanos;
        while (true) {
            long counter = safepointCounter.getLong(0);
            if (((counter & 1) == 0 && safepointState.getInt(0) == 0) || System.nanoTime() - end >= 0) {
                return counter;
            }
            // A Java thread cannot run through a safepoint: this sleep ends once the VM thread has finished it.
            LockSupport.parkNanos(50_000);
        }
    }

    private static JvmLocks find() {
        try {
            MapsEntry jvm = libjvm();
            if (jvm == null) {
                return NONE;
            }
            List<String> names = new ArrayList<>();
            List<Pointer> words = new ArrayList<>();
            Pointer counter = null;
            Pointer state = null;
            Pointer jobs = null;
            try (RandomAccessFile mem = new RandomAccessFile(ProcFs.self("mem").toFile(), "r")) {
                long nullCld = 0;
                long head = 0;
                List<Symbol> symbols = lockSymbols(jvm.path);
                symbolsSeen = !symbols.isEmpty();
                for (Symbol symbol : symbols) {
                    long object = readLong(mem, jvm.base + symbol.value);
                    if (symbol.name.equals(SAFEPOINT_COUNTER)) {
                        counter = Runtime.getSystemRuntime().getMemoryManager().newPointer(jvm.base + symbol.value);
                    } else if (symbol.name.equals(SAFEPOINT_STATE)) {
                        state = Runtime.getSystemRuntime().getMemoryManager().newPointer(jvm.base + symbol.value);
                    } else if (symbol.name.equals(COMPILE_NEW_JOBS)) {
                        jobs = Runtime.getSystemRuntime().getMemoryManager().newPointer(jvm.base + symbol.value);
                    } else if (symbol.name.equals(NULL_CLD)) {
                        nullCld = object;
                    } else if (symbol.name.equals(CLD_HEAD)) {
                        head = object;
                    } else if (symbol.name.equals(THREAD_CRITICAL)) {
                        names.add("ThreadCritical (tc_mutex)");
                        words.add(Runtime.getSystemRuntime().getMemoryManager().newPointer(jvm.base + symbol.value));
                    } else if (symbol.name.equals(CHUNK_POOL_MUTEX)) {
                        if (looksLikePthreadMutex(mem, object)) {
                            names.add("ChunkPool (GlobalChunkPoolMutex)");
                            words.add(Runtime.getSystemRuntime().getMemoryManager().newPointer(object));
                        }
                    } else if (object != 0 && symbol.name.equals(readName(mem, object))) {
                        names.add(symbol.name);
                        words.add(Runtime.getSystemRuntime().getMemoryManager().newPointer(object + MUTEX_WORD));
                    }
                }
                long[] loaderLocks = permanentLoaderMetaspaceLocks(mem, nullCld, head);
                for (int i = 0; i < loaderLocks.length; i++) {
                    names.add("metaspace lock of " + PERMANENT_LOADERS[i] + " class loader");
                    words.add(Runtime.getSystemRuntime().getMemoryManager().newPointer(loaderLocks[i] + MUTEX_WORD));
                }
            }
            boolean safepoints = counter != null && state != null && counter.getLong(0) >= 0
                    && state.getInt(0) >= 0 && state.getInt(0) <= 2;
            // Only a JIT that takes jobs now (1) is stopped in children; any other value is left alone.
            boolean compiling = jobs != null && jobs.getInt(0) == RUN_COMPILATION;
            return new JvmLocks(names, words, safepoints ? counter : null, safepoints ? state : null,
                    compiling ? jobs : null);
        } catch (IOException | RuntimeException unusable) {
            return NONE;
        }
    }

    /**
     * The metaspace locks of the boot, platform and application class loaders' {@code ClassLoaderData}: the
     * first run of any method allocates its counters in its loader's metaspace under this lock, which JIT threads
     * of the parent take too (a FORK target's first run in the child stalled on it in the test suite, JDK 17).
     * Found by shape, every read through {@code /proc/self/mem}: the offset of the lock is where the boot loader's
     * data points to a Mutex with that name; the offset of the next link is where the newest data points to
     * another such data. The graph is a list with the newest first, so its last three are the boot loader's and
     * the two built-in loaders', which live as long as the JVM: only their locks are kept, so the child never
     * reads memory a class unloading may have freed.
     *
     * @return the lock objects' addresses, boot loader's first; none if anything does not look as expected
     */
    private static long[] permanentLoaderMetaspaceLocks(RandomAccessFile mem, long nullCld, long head) {
        {
            if (nullCld == 0 || head == 0) {
                return new long[0];
            }
            int lockOffset = -1;
            for (int offset = 0; offset < CLD_SCAN_BYTES && lockOffset < 0; offset += 8) {
                if (METASPACE_LOCK.contains(readName(mem, peek(mem, nullCld + offset)))) {
                    lockOffset = offset;
                }
            }
            if (lockOffset < 0) {
                return new long[0];
            }
            List<Long> list = new ArrayList<>();
            list.add(head);
            if (head != nullCld) {
                int nextOffset = -1;
                for (int offset = 0; offset < CLD_SCAN_BYTES && nextOffset < 0; offset += 8) {
                    long candidate = peek(mem, head + offset);
                    if (candidate != 0 && candidate != head && (candidate & 7) == 0
                            && METASPACE_LOCK.contains(readName(mem, peek(mem, candidate + lockOffset)))) {
                        nextOffset = offset;
                    }
                }
                if (nextOffset < 0) {
                    return new long[0];
                }
                for (long next = peek(mem, head + nextOffset); next != 0; next = peek(mem, next + nextOffset)) {
                    list.add(next);
                    if (list.size() > 100_000) {
                        return new long[0];
                    }
                }
            }
            if (list.get(list.size() - 1) != nullCld || list.size() < PERMANENT_LOADERS.length) {
                return new long[0];
            }
            long[] locks = new long[PERMANENT_LOADERS.length];
            for (int i = 0; i < locks.length; i++) {
                locks[i] = peek(mem, list.get(list.size() - 1 - i) + lockOffset);
                if (!METASPACE_LOCK.contains(readName(mem, locks[i]))) {
                    return new long[0];
                }
            }
            return locks;
        }
    }

    /** The 8 bytes at {@code address}, or 0 where nothing is mapped there. */
    private static long peek(RandomAccessFile mem, long address) {
        try {
            return readLong(mem, address);
        } catch (IOException | IllegalArgumentException unmapped) {
            return 0;
        }
    }

    private record MapsEntry(Path path, long base) {
    }

    /** libjvm.so's path and load address: its private mapping at file offset 0 (the loader's, not a reader's). */
    private static MapsEntry libjvm() throws IOException {
        for (Mapping m : ProcParser.maps(ProcFs.read(ProcFs.self("maps")).orElseThrow())) {
            if (m.path().endsWith("/libjvm.so") && !m.shared() && m.offset() == 0) {
                return new MapsEntry(Path.of(m.path()), m.start());
            }
        }
        return null;
    }

    private record Symbol(String name, long value) {
    }

    /** The 8-byte data objects in the library's {@code .symtab} (ELF64 little-endian) that are child-path locks. */
    private static List<Symbol> lockSymbols(Path library) throws IOException {
        List<Symbol> result = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(library)) {
            ByteBuffer header = read(channel, 0, 64);
            if (header.getInt(0) != 0x464c457f || header.get(4) != 2 || header.get(5) != 1) {
                return result;
            }
            long sectionTable = header.getLong(0x28);
            int entrySize = Short.toUnsignedInt(header.getShort(0x3a));
            int sections = Short.toUnsignedInt(header.getShort(0x3c));
            ByteBuffer table = read(channel, sectionTable, entrySize * sections);
            for (int s = 0; s < sections; s++) {
                int at = s * entrySize;
                if (table.getInt(at + 4) != SHT_SYMTAB) {
                    continue;
                }
                ByteBuffer symbols = read(channel, table.getLong(at + 0x18), (int) table.getLong(at + 0x20));
                int linked = table.getInt(at + 0x28) * entrySize;
                ByteBuffer strings = read(channel, table.getLong(linked + 0x18), (int) table.getLong(linked + 0x20));
                for (int sym = 0; sym + 24 <= symbols.limit(); sym += 24) {
                    if ((symbols.get(sym + 4) & 0xf) != STT_OBJECT || symbols.getShort(sym + 6) == 0) {
                        continue;
                    }
                    long size = symbols.getLong(sym + 16);
                    int name = symbols.getInt(sym);
                    if (size == 8 && (endsWith(strings, name, LOCK_SUFFIX) || endsWith(strings, name, CLD_SUFFIX)
                            || endsWith(strings, name, HEAD_SUFFIX) || endsWith(strings, name, CHUNK_POOL_SUFFIX))) {
                        String text = cString(strings, name);
                        if (CHILD_PATH_LOCKS.contains(text) || text.equals(NULL_CLD) || text.equals(CLD_HEAD)
                                || text.equals(CHUNK_POOL_MUTEX)) {
                            result.add(new Symbol(text, symbols.getLong(sym + 8)));
                        }
                    } else if ((size == 8 && endsWith(strings, name, COUNTER_SUFFIX) && cString(strings, name).equals(SAFEPOINT_COUNTER))
                            || (size == 4 && endsWith(strings, name, STATE_SUFFIX) && cString(strings, name).equals(SAFEPOINT_STATE))
                            || (size == 4 && endsWith(strings, name, JOBS_SUFFIX) && cString(strings, name).equals(COMPILE_NEW_JOBS))) {
                        result.add(new Symbol(cString(strings, name), symbols.getLong(sym + 8)));
                    } else if ((size == 40 || size == 48) && endsWith(strings, name, TC_MUTEX_SUFFIX)
                            && cString(strings, name).equals(THREAD_CRITICAL)) {
                        result.add(new Symbol(THREAD_CRITICAL, symbols.getLong(sym + 8)));
                    }
                }
            }
        }
        return result;
    }

    private static final byte[] LOCK_SUFFIX = "_lock".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CLD_SUFFIX = "_dataE".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] HEAD_SUFFIX = "_headE".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] TC_MUTEX_SUFFIX = "tc_mutex".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] CHUNK_POOL_SUFFIX = "ChunkPoolMutex".getBytes(StandardCharsets.ISO_8859_1);

    /**
     * Whether {@code object} can be read as an initialised glibc {@code pthread_mutex_t}: mapped, 8-aligned, and
     * its kind one of normal, recursive, error-checking or adaptive (process-private, not robust). The mutex has no name to check as the
     * {@code Mutex} objects do; this keeps a stray pointer from being read in the child.
     */
    private static boolean looksLikePthreadMutex(RandomAccessFile mem, long object) {
        if (object == 0 || (object & 7) != 0) {
            return false;
        }
        try {
            ByteBuffer buffer = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
            if (mem.getChannel().read(buffer, object) != 24) {
                return false;
            }
            int kind = buffer.getInt(MUTEX_KIND) & ~MUTEX_ELISION_FLAGS;
            return kind >= 0 && kind <= 3;
        } catch (IOException | IllegalArgumentException unreadable) {
            return false;
        }
    }

    /** Whether the C string at {@code at} ends in {@code suffix}, without making a String of each of ~57,000 symbols. */
    private static boolean endsWith(ByteBuffer strings, int at, byte[] suffix) {
        int end = at;
        while (end < strings.limit() && strings.get(end) != 0) {
            end++;
        }
        if (end - at < suffix.length) {
            return false;
        }
        for (int i = 0; i < suffix.length; i++) {
            if (strings.get(end - suffix.length + i) != suffix[i]) {
                return false;
            }
        }
        return true;
    }

    private static ByteBuffer read(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining() && channel.read(buffer, position + buffer.position()) > 0) {
            // until full or end of file
        }
        return buffer.clear();
    }

    private static String cString(ByteBuffer buffer, int at) {
        int end = at;
        while (end < buffer.limit() && buffer.get(end) != 0 && end - at < 128) {
            end++;
        }
        byte[] bytes = new byte[end - at];
        buffer.get(at, bytes);
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static long readLong(RandomAccessFile mem, long address) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        if (mem.getChannel().read(buffer, address) != 8) {
            throw new IOException("short read at " + Long.toHexString(address));
        }
        return buffer.getLong(0);
    }

    /** The C string the object's name pointer leads to, or "" where nothing readable is there. */
    private static String readName(RandomAccessFile mem, long object) {
        try {
            long name = readLong(mem, object + NAME_POINTER);
            ByteBuffer buffer = ByteBuffer.allocate(64);
            mem.getChannel().read(buffer, name);
            return cString(buffer.flip(), 0);
        } catch (IOException | IllegalArgumentException unreadable) {
            return "";
        }
    }
}
