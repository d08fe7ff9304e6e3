package io.forkj.posix.internal.proc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The one parser for /proc text. Parsing is kept apart from reading so it can be tested on fixtures
 * captured from real processes. Numbers are parsed here and nowhere else. The parsers work on the raw bytes
 * the kernel wrote, so a scan of every process makes no String but the command name.
 */
public final class ProcParser {
    /**
     * STAT strings are few ("S", "Ss", "Sl", "R+", ...): one instance each, indexed by the 7-bit letter and six
     * modifier bits, so a scan allocates none.
     */
    private static final AtomicReferenceArray<String> STAT_STRINGS = new AtomicReferenceArray<>(128 << 6);

    private ProcParser() {
    }

    /**
     * Parses a {@code /proc/PID/stat} line. The command name sits between the first {@code '('} and the
     * LAST {@code ')'}: it may itself contain {@code ") ("}, spaces and newlines.
     *
     * @throws IllegalArgumentException if the text is not a stat line, quoting it
     */
    public static StatLine stat(CharSequence text) {
        byte[] b = text.toString().getBytes(StandardCharsets.UTF_8);
        return stat(b, b.length);
    }

    /** {@link #stat(CharSequence)} over the first {@code length} bytes of {@code b}, as read from the file. */
    public static StatLine stat(byte[] b, int length) {
        int open = indexOf(b, 0, length, (byte) '(');
        int close = length - 1;
        while (close > open && b[close] != ')') {
            close--;
        }
        if (open < 1 || close <= open || close + 2 >= length) {
            throw new IllegalArgumentException("not a PID/stat line of proc: '" + text(b, length) + "'");
        }
        int pid = (int) parseLong(b, 0, open - 1);
        String comm = new String(b, open + 1, close - open - 1, StandardCharsets.UTF_8);
        Fields f = new Fields(b, length, close + 2);
        char state = (char) f.nextByte();   // 3
        int ppid = (int) f.nextLong();      // 4
        int pgrp = (int) f.nextLong();      // 5
        int session = (int) f.nextLong();   // 6
        int ttyNr = (int) f.nextLong();     // 7
        int tpgid = (int) f.nextLong();     // 8
        long flags = f.nextLong();          // 9
        f.skip(4);                          // 10-13 minflt cminflt majflt cmajflt
        long utime = f.nextLong();          // 14
        long stime = f.nextLong();          // 15
        f.skip(2);                          // 16-17 cutime cstime
        long priority = f.nextLong();       // 18
        int nice = (int) f.nextLong();      // 19
        int threads = (int) f.nextLong();   // 20
        f.skip(1);                          // 21 itrealvalue
        long start = f.nextLong();          // 22
        long vsize = f.nextLong();          // 23
        long rss = f.nextLong();            // 24
        return new StatLine(pid, comm, state, ppid, pgrp, session, ttyNr, tpgid, flags, utime, stime, priority,
                nice, threads, start, vsize, rss);
    }

    /**
     * The fields forkj uses from {@code /proc/PID/status}: the real uid (first number of {@code Uid:}) and the
     * locked memory ({@code VmLck:}, absent for kernel threads and zombies, then 0).
     *
     * @throws IllegalArgumentException quoting the text if it has no {@code Uid:} line
     */
    public static StatusFields status(byte[] b, int length) {
        int uid = lineNumber(b, length, UID);
        if (uid < 0) {
            throw new IllegalArgumentException("no Uid: line in a PID/status file of proc: '" + text(b, length) + "'");
        }
        int lck = lineNumber(b, length, VM_LCK);
        return new StatusFields((int) parseLong(b, uid, numberEnd(b, length, uid)),
                lck < 0 ? 0 : parseLong(b, lck, numberEnd(b, length, lck)));
    }

    /** {@link #status(byte[], int)} over text. */
    public static StatusFields status(CharSequence text) {
        byte[] b = text.toString().getBytes(StandardCharsets.UTF_8);
        return status(b, b.length);
    }

    private static final byte[] UID = "\nUid:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VM_LCK = "\nVmLck:".getBytes(StandardCharsets.US_ASCII);

    /** Offset of the first digit after the line key {@code key} (which starts with a newline), or -1. */
    private static int lineNumber(byte[] b, int length, byte[] key) {
        outer:
        for (int i = 0; i + key.length <= length; i++) {
            for (int k = 0; k < key.length; k++) {
                if (b[i + k] != key[k]) {
                    continue outer;
                }
            }
            int p = i + key.length;
            while (p < length && (b[p] == ' ' || b[p] == '\t')) {
                p++;
            }
            return p;
        }
        return -1;
    }

    private static int numberEnd(byte[] b, int length, int from) {
        int e = from;
        while (e < length && b[e] >= '0' && b[e] <= '9') {
            e++;
        }
        return e;
    }

    /**
     * The arguments in {@code /proc/PID/cmdline}: NUL-separated, usually NUL-terminated. A process that
     * rewrote its arguments (setproctitle) may leave one string with spaces; it is kept as one argument.
     * Kernel threads and zombies have an empty file: an empty list.
     */
    public static List<String> cmdline(byte[] b, int length) {
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (b[i] == 0) {
                args.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < length) {
            args.add(new String(b, start, length - start, StandardCharsets.UTF_8));
        }
        return args;
    }

    /**
     * The first field of {@code /proc/PID/schedstat}: nanoseconds spent on a CPU.
     *
     * @throws IllegalArgumentException quoting the text if it does not start with a number
     */
    public static long schedstatCpuNanos(byte[] b, int length) {
        return parseLong(b, 0, numberEnd(b, length, 0));
    }

    /**
     * ps's STAT column for a process, with procps' rules ({@code pr_stat} in procps-ng's {@code ps/output.c}):
     * the state letter, then {@code <} if nice &lt; 0, {@code N} if nice &gt; 0, {@code L} if it has locked
     * pages, {@code s} if it leads its session, {@code l} if it has more than one thread, {@code +} if its
     * group is the terminal's foreground group. (The old {@code W}, "no resident pages", is no longer printed.)
     *
     * @param lockedKb {@code VmLck:} from {@code /proc/PID/status}
     */
    public static String psStat(StatLine s, long lockedKb) {
        int bits = (s.nice() < 0 ? 1 : 0)
                | (s.nice() > 0 ? 2 : 0)
                | (lockedKb != 0 ? 4 : 0)
                | (s.session() == s.pid() ? 8 : 0)
                | (s.numThreads() > 1 ? 16 : 0)
                | (s.pgrp() == s.tpgid() ? 32 : 0);
        int key = ((s.state() & 0x7f) << 6) | bits;
        String cached = STAT_STRINGS.get(key);
        if (cached != null) {
            return cached;
        }
        StringBuilder sb = new StringBuilder(7).append(s.state());
        String modifiers = "<NLsl+";
        for (int i = 0; i < modifiers.length(); i++) {
            if ((bits & (1 << i)) != 0) {
                sb.append(modifiers.charAt(i));
            }
        }
        STAT_STRINGS.compareAndSet(key, null, sb.toString());
        return STAT_STRINGS.get(key);
    }

    /**
     * {@code btime} of {@code /proc/stat}: the boot time in whole seconds since the epoch, the base psutil and ps
     * use for start times.
     *
     * @param source the file the text came from, for the message
     * @throws IllegalStateException naming {@code source} if the text has no {@code btime} line
     */
    public static long bootTime(CharSequence text, Object source) {
        String value = statusValue(text, "btime", ' ');
        if (value == null) {
            throw new IllegalStateException(source + " has no btime line");
        }
        return parseLong(value);
    }

    /**
     * The value of line {@code key} in a "key: value" file such as {@code /proc/PID/status} (trimmed), or null
     * when no line has that key.
     */
    public static String statusValue(CharSequence text, String key) {
        return statusValue(text, key, ':');
    }

    private static String statusValue(CharSequence text, String key, char separator) {
        String prefix = key + separator;
        for (String line : text.toString().split("\n")) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
        return null;
    }

    /**
     * The pids of a {@code /proc/PID/task/TID/children} file: space-separated decimal numbers.
     *
     * @throws IllegalArgumentException quoting the text if a field is not a number
     */
    public static List<Integer> pidList(CharSequence text) {
        List<Integer> result = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && text.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < n && text.charAt(i) != ' ' && text.charAt(i) != '\n') {
                i++;
            }
            if (i > start) {
                result.add((int) parseLong(text, start, i));
            }
            i++;
        }
        return result;
    }

    /**
     * The pid a {@code /proc} directory entry names, or -1 if the name is not a pid (self, sys, stat, ...): all
     * digits, at most {@link Integer#MAX_VALUE}. The same rule reads a {@code /proc/PID/fd} entry's fd number.
     */
    public static int pidOfEntry(CharSequence name) {
        if (name.length() == 0 || name.length() > 10) {
            return -1;
        }
        long pid = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            pid = pid * 10 + (c - '0');
        }
        return pid > Integer.MAX_VALUE ? -1 : (int) pid;
    }

    /**
     * A {@code /proc/PID/syscall} line: the system call number, then its six arguments, the stack pointer and
     * the program counter (all but the number in hex, {@code 0x...}). Empty when the thread is in no system
     * call ({@code running}, {@code -1 sp pc}) or the file was empty (a thread that just exited).
     *
     * @throws IllegalArgumentException quoting the text if a field is not a number
     */
    public static long[] syscall(CharSequence text) {
        String line = text.toString().trim();
        if (line.isEmpty() || !Character.isDigit(line.charAt(0))) {
            return new long[0];
        }
        String[] fields = line.split(" ");
        long[] values = new long[fields.length];
        values[0] = parseLong(fields[0]);
        for (int i = 1; i < fields.length; i++) {
            String f = fields[i];
            try {
                values[i] = Long.parseUnsignedLong(f.startsWith("0x") ? f.substring(2) : f, 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a hex number: '" + f + "' in syscall line '" + line + "'");
            }
        }
        return values;
    }

    /**
     * A decimal integer in {@code b[from, to)}, with an optional minus sign; kernel numbers never overflow a
     * long except unsigned 64-bit fields, which are clamped to {@link Long#MAX_VALUE}.
     *
     * @throws IllegalArgumentException quoting the text if it is not a number
     */
    public static long parseLong(byte[] b, int from, int to) {
        if (from >= to) {
            throw new IllegalArgumentException("empty number in '" + text(b, b.length) + "'");
        }
        boolean negative = b[from] == '-';
        int i = negative ? from + 1 : from;
        if (i >= to) {
            throw new IllegalArgumentException("not a number: '" + new String(b, from, to - from, StandardCharsets.UTF_8) + "'");
        }
        long value = 0;
        for (; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw new IllegalArgumentException("not a number: '" + new String(b, from, to - from, StandardCharsets.UTF_8) + "'");
            }
            value = value > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : value * 10 + d;
        }
        return negative ? -value : value;
    }

    /**
     * The value of entry {@code type} of an auxiliary vector ({@code /proc/PID/auxv}: pairs of native-endian
     * 64-bit words, type then value, ending with type 0), or -1 if it has none.
     */
    public static long auxvValue(byte[] auxv, long type) {
        java.nio.ByteBuffer words = java.nio.ByteBuffer.wrap(auxv).order(java.nio.ByteOrder.nativeOrder());
        while (words.remaining() >= 16) {
            long key = words.getLong();
            long value = words.getLong();
            if (key == type) {
                return value;
            }
            if (key == 0) {
                break;
            }
        }
        return -1;
    }

    /**
     * Parses {@code /proc/PID/maps}: {@code start-end perms offset dev inode [path]} per line, addresses and offset
     * in hex; the path is the rest of the line (it may hold spaces, and " (deleted)").
     *
     * @throws IllegalArgumentException on a line that is not a mapping, quoting it
     */
    public static List<Mapping> maps(CharSequence text) {
        String all = text.toString();
        List<Mapping> mappings = new ArrayList<>();
        // Scanned by hand: a regex split per line cost a JVM's first raw fork ~10 ms (235 lines, cold JIT).
        for (int from = 0, to; from < all.length(); from = to + 1) {
            to = all.indexOf('\n', from);
            to = to < 0 ? all.length() : to;
            if (all.substring(from, to).isBlank()) {
                continue;
            }
            int dash = all.indexOf('-', from);
            int afterRange = all.indexOf(' ', from);
            int afterPerms = afterRange < 0 ? -1 : all.indexOf(' ', afterRange + 1);
            int afterOffset = afterPerms < 0 ? -1 : all.indexOf(' ', afterPerms + 1);
            int afterDevice = afterOffset < 0 ? -1 : all.indexOf(' ', afterOffset + 1);
            if (dash < from + 1 || dash > afterRange || afterDevice < 0 || afterDevice >= to) {
                throw new IllegalArgumentException("not a line of PID/maps: '" + all.substring(from, to) + "'");
            }
            int afterInode = all.indexOf(' ', afterDevice + 1);
            String path = afterInode < 0 || afterInode >= to ? "" : all.substring(afterInode, to).trim();
            try {
                mappings.add(new Mapping(Long.parseUnsignedLong(all, from, dash, 16),
                        Long.parseUnsignedLong(all, dash + 1, afterRange, 16), all.substring(afterRange + 1, afterPerms),
                        Long.parseUnsignedLong(all, afterPerms + 1, afterOffset, 16), path));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a line of PID/maps: '" + all.substring(from, to) + "'", e);
            }
        }
        return mappings;
    }

    /** {@link #parseLong(byte[], int, int)} over {@code s[from, to)}. */
    public static long parseLong(CharSequence s, int from, int to) {
        byte[] b = s.subSequence(from, to).toString().getBytes(StandardCharsets.UTF_8);
        return parseLong(b, 0, b.length);
    }

    /** A decimal integer that is the whole of {@code s} (trimmed). */
    public static long parseLong(CharSequence s) {
        String t = s.toString().trim();
        return parseLong(t, 0, t.length());
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** The text for an error message, abbreviated. */
    private static String text(byte[] b, int length) {
        String s = new String(b, 0, Math.min(length, 200), StandardCharsets.UTF_8);
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    /** Space-separated fields after the command name. */
    private static final class Fields {
        private final byte[] b;
        private final int length;
        private int pos;

        Fields(byte[] b, int length, int pos) {
            this.b = b;
            this.length = length;
            this.pos = pos;
        }

        private int end() {
            int e = pos;
            while (e < length && b[e] != ' ' && b[e] != '\n') {
                e++;
            }
            if (e == pos) {
                throw new IllegalArgumentException("PID/stat line of proc ends early at offset " + pos + ": '" + text(b, length) + "'");
            }
            return e;
        }

        byte nextByte() {
            int e = end();
            byte c = b[pos];
            pos = e + 1;
            return c;
        }

        long nextLong() {
            int e = end();
            long v = parseLong(b, pos, e);
            pos = e + 1;
            return v;
        }

        void skip(int n) {
            for (int i = 0; i < n; i++) {
                pos = end() + 1;
            }
        }
    }
}
