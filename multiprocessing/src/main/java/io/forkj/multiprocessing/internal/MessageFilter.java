package io.forkj.multiprocessing.internal;

import java.io.ObjectInputFilter;

/**
 * The deserialization filter of one received message, built for its frame. In order:
 * <ol>
 *   <li>limits that always hold: nesting depth at most {@link #MAX_DEPTH}, at most {@link #MAX_REFERENCES}
 *       objects, and no array longer than the frame could hold (a {@code long[]} of n elements needs 8n bytes
 *       of the frame, an object array at least n), so a forged length never allocates more than the frame
 *       justifies;</li>
 *   <li>the JVM-wide filter ({@code -Djdk.serialFilter}, {@link ObjectInputFilter.Config#getSerialFilter()}):
 *       its REJECTED stands;</li>
 *   <li>the connection's own filter, if set: REJECTED stands, ALLOWED skips the deny list;</li>
 *   <li>the deny list {@link #DENIED}: packages whose classes are known building blocks of deserialization
 *       exploits and have no business in a message;</li>
 *   <li>everything else on the class path is allowed: the peer is a process of the same program (CPython's
 *       pickle trusts its peer completely; this is stricter).</li>
 * </ol>
 * The reason of a rejection is kept for the error message.
 */
public final class MessageFilter implements ObjectInputFilter {
    /** Maximum nesting depth of objects in one message. */
    public static final int MAX_DEPTH = 1000;
    /** Maximum number of object references in one message. */
    public static final long MAX_REFERENCES = 10_000_000;
    /** The deny list, as an {@link ObjectInputFilter.Config#createFilter} pattern. */
    public static final String DENIED = "!org.apache.commons.collections.functors.*;"
            + "!org.apache.commons.collections4.functors.*;!org.apache.xalan.xsltc.trax.*;"
            + "!com.sun.org.apache.xalan.internal.xsltc.trax.*;!org.codehaus.groovy.runtime.*;"
            + "!org.springframework.beans.factory.*;!com.sun.rowset.*;!javax.management.*;!java.rmi.*;!sun.rmi.*;"
            + "!com.sun.jndi.*;!javax.naming.*;!bsh.*;!clojure.*;!org.python.core.*;"
            + "!sun.reflect.annotation.AnnotationInvocationHandler;!com.mchange.v2.c3p0.*;!org.hibernate.engine.*";
    private static final ObjectInputFilter DENY = ObjectInputFilter.Config.createFilter(DENIED);

    private final long frameBytes;
    private final ObjectInputFilter user;
    private String rejection;

    /**
     * @param frameBytes the size of the message being read: the bound for array lengths
     * @param user       the connection's filter, or null
     */
    public MessageFilter(long frameBytes, ObjectInputFilter user) {
        this.frameBytes = frameBytes;
        this.user = user;
    }

    /** Why the last REJECTED was given, or null. */
    public String rejection() {
        return rejection;
    }

    @Override
    public Status checkInput(FilterInfo info) {
        if (info.depth() > MAX_DEPTH) {
            return reject("nesting depth " + info.depth() + " exceeds the limit of " + MAX_DEPTH);
        }
        if (info.references() > MAX_REFERENCES) {
            return reject(info.references() + " object references exceed the limit of " + MAX_REFERENCES);
        }
        Class<?> type = info.serialClass();
        if (type != null && type.isArray() && info.arrayLength() >= 0) {
            long needed = info.arrayLength() * elementBytes(type.getComponentType());
            if (needed > frameBytes) {
                return reject("an array " + type.getComponentType().getName() + "[" + info.arrayLength()
                        + "] needs at least " + needed + " bytes but the whole message has " + frameBytes);
            }
        }
        ObjectInputFilter global = ObjectInputFilter.Config.getSerialFilter();
        if (global != null && global.checkInput(info) == Status.REJECTED) {
            return reject("the JVM-wide filter (jdk.serialFilter) rejected " + describe(info));
        }
        if (user != null) {
            Status status = user.checkInput(info);
            if (status == Status.REJECTED) {
                return reject("the connection's filter rejected " + describe(info));
            }
            if (status == Status.ALLOWED) {
                return Status.ALLOWED;
            }
        }
        if (type != null && DENY.checkInput(info) == Status.REJECTED) {
            return reject(type.getName() + " is on forkj's deny list of deserialization-exploit classes");
        }
        return Status.ALLOWED;
    }

    private Status reject(String why) {
        rejection = why;
        return Status.REJECTED;
    }

    private static String describe(FilterInfo info) {
        Class<?> type = info.serialClass();
        return type == null ? "the stream (depth " + info.depth() + ", " + info.references() + " references)"
                : type.getName();
    }

    private static long elementBytes(Class<?> component) {
        if (component == long.class || component == double.class) {
            return 8;
        }
        if (component == int.class || component == float.class) {
            return 4;
        }
        if (component == short.class || component == char.class) {
            return 2;
        }
        return 1;
    }
}
