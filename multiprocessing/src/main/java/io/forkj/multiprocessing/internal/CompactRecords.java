package io.forkj.multiprocessing.internal;

import java.io.ObjectInputFilter;
import java.io.Serializable;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The compact form of a serializable record whose components are compact values (or such records): its class
 * and component names as one "shape" string, then its components, in the order the sender declares them. No
 * {@code ObjectOutputStream}: a small record costs a few hundred nanoseconds instead of the ~2 µs a fresh
 * object stream pays per message for its header and class descriptor.
 *
 * <p>It keeps what Java serialization promises for records: only a class that implements {@code Serializable} and
 * declares no {@code writeReplace}/{@code readResolve} takes this form (others are serialized as before); the
 * receiver builds the object through its canonical constructor, so the record's own validation runs; components
 * are matched by name (one the receiver's class lacks is ignored, one the sender's lacked gets its default); and
 * the class is checked against the deserialization filter ({@link MessageFilter}: the connection's, the
 * JVM-wide one, the deny list) before anything is constructed.
 */
final class CompactRecords {
    /** Nested records deeper than this are serialized instead: Java serialization's stack is the limit there. */
    static final int MAX_DEPTH = 64;
    private static final int MAX_READ_PLANS = 4096;
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final ClassValue<WritePlan> WRITE_PLANS = new ClassValue<>() {
        @Override
        protected WritePlan computeValue(Class<?> type) {
            return WritePlan.of(type);
        }
    };
    private static final Map<String, ReadPlan> READ_PLANS = new ConcurrentHashMap<>();

    private CompactRecords() {
    }

    /** A record's component values, read once, ready to be sized and written. */
    static final class Image {
        final WritePlan plan;
        final Object[] values;
        final int size;

        Image(WritePlan plan, Object[] values, int size) {
            this.plan = plan;
            this.values = values;
            this.size = size;
        }
    }

    /** How a record class is written, or why it cannot be ({@link #shape} null). */
    static final class WritePlan {
        final byte[] shape;
        final MethodHandle[] getters;

        private WritePlan(byte[] shape, MethodHandle[] getters) {
            this.shape = shape;
            this.getters = getters;
        }

        static WritePlan of(Class<?> type) {
            if (!type.isRecord() || !Serializable.class.isAssignableFrom(type) || declares(type, "writeReplace")
                    || declares(type, "readResolve")) {
                return new WritePlan(null, null);
            }
            RecordComponent[] components = type.getRecordComponents();
            MethodHandle[] getters = new MethodHandle[components.length];
            StringBuilder shape = new StringBuilder(type.getName()).append('(');
            try {
                for (int i = 0; i < components.length; i++) {
                    Class<?> t = components[i].getType();
                    if (t.isPrimitive() && t != int.class && t != long.class && t != double.class && t != boolean.class) {
                        return new WritePlan(null, null);
                    }
                    // The component's field, not its accessor: Java serialization writes the field, and an accessor
                    // may compute (a defensive copy, a normalized form).
                    Field field = type.getDeclaredField(components[i].getName());
                    field.setAccessible(true);
                    getters[i] = LOOKUP.unreflectGetter(field).asType(MethodType.methodType(Object.class, Object.class));
                    shape.append(i == 0 ? "" : ",").append(components[i].getName());
                }
                canonicalConstructor(type);
            } catch (RuntimeException | ReflectiveOperationException inaccessible) {
                // A named module that does not open the record's package to forkj: Java serialization can.
                return new WritePlan(null, null);
            }
            byte[] bytes = shape.append(')').toString().getBytes(StandardCharsets.UTF_8);
            return bytes.length > 0xFFFF ? new WritePlan(null, null) : new WritePlan(bytes, getters);
        }
    }

    /** How records of one shape are read here: the class, its constructor, and where each sent component goes. */
    private static final class ReadPlan {
        final ClassLoader loader;
        final Class<?> type;
        final MethodHandle constructor;
        final int[] slotOfSent;
        final Class<?>[] slotTypes;
        final Object[] defaults;

        ReadPlan(ClassLoader loader, Class<?> type, MethodHandle constructor, int[] slotOfSent, Class<?>[] slotTypes,
                 Object[] defaults) {
            this.loader = loader;
            this.type = type;
            this.constructor = constructor;
            this.slotOfSent = slotOfSent;
            this.slotTypes = slotTypes;
            this.defaults = defaults;
        }
    }

    /**
     * {@code value}'s image when it is a record that takes the compact form with every component compact, else
     * null (the caller serializes the whole value).
     */
    static Image image(Object value) {
        return image(value, 0, new ArrayList<>(0));
    }

    /**
     * @param arrays the byte arrays met so far in this record: one met twice makes the record serialized, since Java
     *               serialization gives the receiver one array there too, and a receiver that writes into one
     *               would see it in the other
     */
    private static Image image(Object value, int depth, List<byte[]> arrays) {
        WritePlan plan = WRITE_PLANS.get(value.getClass());
        if (plan.shape == null || depth > MAX_DEPTH) {
            return null;
        }
        Object[] values = new Object[plan.getters.length];
        long size = 1 + 2 + plan.shape.length;
        for (int i = 0; i < values.length; i++) {
            Object v;
            try {
                v = plan.getters[i].invokeExact(value);
            } catch (Throwable unreadable) {
                return null; // (a field read does not throw; if it ever did, Java serialization says why)
            }
            if (v != null && v.getClass().isRecord()) {
                Image nested = image(v, depth + 1, arrays);
                if (nested == null) {
                    return null;
                }
                values[i] = nested;
                size += nested.size;
                continue;
            }
            int alone = CompactValues.sizeOfLeaf(v);
            if (alone < 0 || (v instanceof byte[] array && seenBefore(arrays, array))) {
                return null;
            }
            values[i] = v;
            size += alone + (v instanceof String || v instanceof byte[] ? 4 : 0);
        }
        return size > Integer.MAX_VALUE - 64 ? null : new Image(plan, values, (int) size);
    }

    private static boolean seenBefore(List<byte[]> arrays, byte[] array) {
        for (byte[] seen : arrays) {
            if (seen == array) {
                return true;
            }
        }
        arrays.add(array);
        return false;
    }

    /** Writes an image at {@code at}; returns the end. */
    static int write(Image image, byte[] b, int at) {
        b[at] = CompactValues.RECORD;
        int length = image.plan.shape.length;
        b[at + 1] = (byte) (length >>> 8);
        b[at + 2] = (byte) length;
        System.arraycopy(image.plan.shape, 0, b, at + 3, length);
        at += 3 + length;
        for (Object v : image.values) {
            at = v instanceof Image nested ? write(nested, b, at) : CompactValues.writeLeaf(v, b, at, true);
        }
        return at;
    }

    /**
     * Reads the record whose tag is at {@code reader.at}; leaves {@code reader.at} after it.
     *
     * @throws IllegalStateException        when the bytes are corrupt
     * @throws CompactValues.UnreadableValue when the class is missing here, rejected by the filter, has other
     *                                      component types, or its constructor refused the values
     */
    static Object read(CompactValues.Reader reader, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("records nested deeper than " + MAX_DEPTH);
        }
        byte[] b = reader.bytes;
        int at = reader.at + 1;
        if (at + 2 > reader.end) {
            throw new IllegalStateException("a record without its shape");
        }
        int length = (b[at] & 0xff) << 8 | (b[at + 1] & 0xff);
        at += 2;
        if (length > reader.end - at) {
            throw new IllegalStateException("a record shape of " + length + " bytes is cut short");
        }
        String shape = new String(b, at, length, StandardCharsets.UTF_8);
        reader.at = at + length;
        ReadPlan plan = plan(shape);
        reader.check(plan.type, depth);
        Object[] args = plan.defaults.clone();
        for (int i = 0; i < plan.slotOfSent.length; i++) {
            Object v = reader.next(depth + 1);
            int slot = plan.slotOfSent[i];
            if (slot < 0) {
                continue;
            }
            if (v == null ? plan.slotTypes[slot].isPrimitive() : !box(plan.slotTypes[slot]).isInstance(v)) {
                throw new CompactValues.UnreadableValue("its record " + plan.type.getName() + " has component "
                        + (slot + 1) + " of type " + plan.slotTypes[slot].getName() + " here, but a "
                        + (v == null ? "null" : v.getClass().getName()) + " was sent", null);
            }
            args[slot] = v;
        }
        try {
            return plan.constructor.invokeExact(args);
        } catch (Throwable refused) {
            throw new CompactValues.UnreadableValue("its record " + plan.type.getName()
                    + "'s canonical constructor refused the values: " + refused, refused);
        }
    }

    private static ReadPlan plan(String shape) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        ReadPlan plan = READ_PLANS.get(shape);
        if (plan != null && plan.loader == loader) {
            return plan;
        }
        plan = resolve(shape, loader);
        if (READ_PLANS.size() >= MAX_READ_PLANS) {
            READ_PLANS.clear(); // a peer can name any number of shapes of a class: keep memory bounded
        }
        READ_PLANS.put(shape, plan);
        return plan;
    }

    private static ReadPlan resolve(String shape, ClassLoader loader) {
        int open = shape.indexOf('(');
        if (open <= 0 || !shape.endsWith(")")) {
            throw new IllegalStateException("a record shape '" + shape + "' is not Name(component,...)");
        }
        String name = shape.substring(0, open);
        String inside = shape.substring(open + 1, shape.length() - 1);
        String[] sent = inside.isEmpty() ? new String[0] : inside.split(",", -1);
        Class<?> type;
        try {
            type = loader != null ? Class.forName(name, false, loader) : Class.forName(name);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new CompactValues.UnreadableValue("it holds a record of class " + name
                    + ", which is not on this process's class path", e);
        }
        if (!type.isRecord() || !Serializable.class.isAssignableFrom(type)) {
            throw new CompactValues.UnreadableValue("it names class " + name
                    + " as a serializable record, which it is not here", null);
        }
        RecordComponent[] components = type.getRecordComponents();
        Map<String, Integer> slots = new HashMap<>();
        Class<?>[] slotTypes = new Class<?>[components.length];
        Object[] defaults = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            slots.put(components[i].getName(), i);
            slotTypes[i] = components[i].getType();
            defaults[i] = defaultOf(slotTypes[i]);
        }
        int[] slotOfSent = new int[sent.length];
        for (int i = 0; i < sent.length; i++) {
            slotOfSent[i] = slots.getOrDefault(sent[i], -1);
        }
        MethodHandle constructor;
        try {
            constructor = canonicalConstructor(type);
        } catch (RuntimeException | ReflectiveOperationException e) {
            throw new CompactValues.UnreadableValue("its record " + name + "'s canonical constructor cannot be used: "
                    + e, e);
        }
        return new ReadPlan(loader, type, constructor, slotOfSent, slotTypes, defaults);
    }

    /** The canonical constructor, as {@code (Object[]) -> Object}. */
    private static MethodHandle canonicalConstructor(Class<?> type) throws ReflectiveOperationException {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        Constructor<?> constructor = type.getDeclaredConstructor(types);
        constructor.setAccessible(true);
        return LOOKUP.unreflectConstructor(constructor)
                .asType(MethodType.genericMethodType(types.length))
                .asSpreader(Object[].class, types.length)
                .asType(MethodType.methodType(Object.class, Object[].class));
    }

    private static boolean declares(Class<?> type, String method) {
        try {
            type.getDeclaredMethod(method);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static Object defaultOf(Class<?> type) {
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == double.class) {
            return 0.0;
        }
        if (type == boolean.class) {
            return false;
        }
        if (type.isPrimitive()) {
            throw new CompactValues.UnreadableValue("its record's component of type " + type
                    + " has no compact form here", null);
        }
        return null;
    }

    private static Class<?> box(Class<?> type) {
        if (type == int.class) {
            return Integer.class;
        }
        if (type == long.class) {
            return Long.class;
        }
        if (type == double.class) {
            return Double.class;
        }
        if (type == boolean.class) {
            return Boolean.class;
        }
        return type;
    }

    /** The filter's view of one record in a message. */
    static final class Info implements ObjectInputFilter.FilterInfo {
        private final Class<?> type;
        private final long depth;
        private final long references;
        private final long streamBytes;

        Info(Class<?> type, long depth, long references, long streamBytes) {
            this.type = type;
            this.depth = depth;
            this.references = references;
            this.streamBytes = streamBytes;
        }

        @Override
        public Class<?> serialClass() {
            return type;
        }

        @Override
        public long arrayLength() {
            return -1;
        }

        @Override
        public long depth() {
            return depth;
        }

        @Override
        public long references() {
            return references;
        }

        @Override
        public long streamBytes() {
            return streamBytes;
        }
    }
}
