/**
 * Python's {@code multiprocessing} for Java functions on Linux: processes started by FORK (the guarded fork),
 * SPAWN (a fresh JVM) or a standby JVM, pipes and queues, listeners and clients that authenticate as CPython's do,
 * shared memory and locks that survive a dead holder, pools, a process-pool
 * {@link java.util.concurrent.ExecutorService}, and managers. Names follow Python's in
 * Java case; every public type says which Python name it corresponds to. {@code internal} packages are not API.
 */
package io.forkj.multiprocessing;
