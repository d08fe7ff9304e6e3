package io.forkj.posix.internal.proc;

/**
 * The one parser for /proc text. Parsing is kept apart from reading so it can be tested on fixtures
 * captured from real processes. Numbers are parsed here and nowhere else.
 */
public final class ProcParser {
    private ProcParser() {
    }

    /**
     * Parses a {@code /proc/PID/stat} line. The command name sits between the first {@code '('} and the
     * LAST {@code ')'}: it may itself contain {@code ") ("}, spaces and newlines.
     *
     * @throws IllegalArgumentException if the text is not a stat line, quoting it
     */
    public static StatLine stat(CharSequence text) {
        String s = text.toString();
        int open = s.indexOf('(');
        int close = s.lastIndexOf(')');
        if (open < 1 || close < open || close + 2 >= s.length()) {
            throw new IllegalArgumentException("not a /proc/PID/stat line: '" + abbreviate(s) + "'");
        }
        int pid = (int) parseLong(s, 0, open - 1);
        String comm = s.substring(open + 1, close);
        Fields f = new Fields(s, close + 2);
        char state = f.nextChar();          // 3
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
     * A decimal integer in {@code s[from, to)}, with an optional minus sign; kernel numbers never overflow a
     * long except unsigned 64-bit fields, which are clamped to {@link Long#MAX_VALUE}.
     *
     * @throws IllegalArgumentException quoting the text if it is not a number
     */
    public static long parseLong(CharSequence s, int from, int to) {
        if (from >= to) {
            throw new IllegalArgumentException("empty number in '" + abbreviate(s.toString()) + "'");
        }
        boolean negative = s.charAt(from) == '-';
        int i = negative ? from + 1 : from;
        if (i >= to) {
            throw new IllegalArgumentException("not a number: '" + s.subSequence(from, to) + "'");
        }
        long value = 0;
        for (; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("not a number: '" + s.subSequence(from, to) + "'");
            }
            if (value > (Long.MAX_VALUE - (c - '0')) / 10) {
                value = Long.MAX_VALUE;
            } else {
                value = value * 10 + (c - '0');
            }
        }
        return negative ? -value : value;
    }

    /** A decimal integer that is the whole of {@code s} (trimmed). */
    public static long parseLong(CharSequence s) {
        String t = s.toString().trim();
        return parseLong(t, 0, t.length());
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

    /** Space-separated fields after the command name. */
    private static final class Fields {
        private final String s;
        private int pos;

        Fields(String s, int pos) {
            this.s = s;
            this.pos = pos;
        }

        private int end() {
            int e = pos;
            while (e < s.length() && s.charAt(e) != ' ' && s.charAt(e) != '\n') {
                e++;
            }
            if (e == pos) {
                throw new IllegalArgumentException("/proc/PID/stat line ends early at offset " + pos + ": '" + abbreviate(s) + "'");
            }
            return e;
        }

        char nextChar() {
            int e = end();
            char c = s.charAt(pos);
            pos = e + 1;
            return c;
        }

        long nextLong() {
            int e = end();
            long v = parseLong(s, pos, e);
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
