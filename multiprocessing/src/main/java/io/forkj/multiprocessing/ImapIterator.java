package io.forkj.multiprocessing;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The results of {@link Pool#imap} and {@link Pool#imapUnordered}: CPython's {@code IMapIterator}. {@link #next()}
 * blocks until the next result arrives. A task that failed throws its exception from the {@code next()} that
 * reaches it (RuntimeExceptions and Errors as they are, checked ones in a
 * {@link java.util.concurrent.CompletionException}); iteration may go on after it.
 *
 * @param <R> the result type
 */
public interface ImapIterator<R> extends Iterator<R> {

    /**
     * Python's {@code it.next(timeout)}: waits at most {@code timeout} for the next result.
     *
     * @throws TimeoutException       if none arrives in time (Python's {@code multiprocessing.TimeoutError})
     * @throws NoSuchElementException if there are no more results
     * @throws InterruptedException   if the thread is interrupted while waiting
     */
    R next(long timeout, TimeUnit unit) throws TimeoutException, InterruptedException;
}
