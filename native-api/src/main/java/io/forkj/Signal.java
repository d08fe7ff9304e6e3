package io.forkj;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A Linux signal: its number and name, like C's {@code SIGTERM} constants and Python's {@code signal.Signals}.
 *
 * <p>The numbers are Linux's generic ones, shared by x86-64 and arm64 (not by alpha, mips or sparc).
 * Real-time signals are identified by number: glibc's {@code SIGRTMIN} is 34 (the kernel's 32 and 33 are
 * reserved for the C library's threads and named {@code SIG32} and {@code SIG33} here) and {@code SIGRTMAX}
 * is 64; {@link #realtime(int)} builds them.
 * Instances are interned, so {@code ==} works, but {@link #equals(Object)} is the contract.
 */
public final class Signal {
    /** Lowest real-time signal usable by applications (glibc's {@code SIGRTMIN}). */
    public static final int SIGRTMIN = 34;
    /** Highest real-time signal ({@code SIGRTMAX}, {@code _NSIG - 1}). */
    public static final int SIGRTMAX = 64;

    private static final Signal[] BY_NUMBER = new Signal[SIGRTMAX + 1];

    /** Hangup: controlling terminal closed (1). */
    public static final Signal SIGHUP = define(1, "SIGHUP");
    /** Interrupt from keyboard, Ctrl-C (2). */
    public static final Signal SIGINT = define(2, "SIGINT");
    /** Quit from keyboard, Ctrl-\ ; dumps core (3). */
    public static final Signal SIGQUIT = define(3, "SIGQUIT");
    /** Illegal instruction; dumps core (4). */
    public static final Signal SIGILL = define(4, "SIGILL");
    /** Trace or breakpoint trap; dumps core (5). */
    public static final Signal SIGTRAP = define(5, "SIGTRAP");
    /** Abort, as sent by C's {@code abort()}; dumps core (6). */
    public static final Signal SIGABRT = define(6, "SIGABRT");
    /** Bus error; dumps core (7). */
    public static final Signal SIGBUS = define(7, "SIGBUS");
    /** Floating-point exception; dumps core (8). */
    public static final Signal SIGFPE = define(8, "SIGFPE");
    /** Kill; cannot be caught, blocked or ignored (9). */
    public static final Signal SIGKILL = define(9, "SIGKILL");
    /** User-defined signal 1 (10). */
    public static final Signal SIGUSR1 = define(10, "SIGUSR1");
    /** Invalid memory reference; dumps core (11). */
    public static final Signal SIGSEGV = define(11, "SIGSEGV");
    /** User-defined signal 2 (12). */
    public static final Signal SIGUSR2 = define(12, "SIGUSR2");
    /** Write to a pipe with no readers (13). */
    public static final Signal SIGPIPE = define(13, "SIGPIPE");
    /** Timer from {@code alarm()} (14). */
    public static final Signal SIGALRM = define(14, "SIGALRM");
    /** Termination request, the default of {@code kill} (15). */
    public static final Signal SIGTERM = define(15, "SIGTERM");
    /** Coprocessor stack fault, unused (16). */
    public static final Signal SIGSTKFLT = define(16, "SIGSTKFLT");
    /** A child stopped, continued or terminated (17). */
    public static final Signal SIGCHLD = define(17, "SIGCHLD");
    /** Continue if stopped (18). */
    public static final Signal SIGCONT = define(18, "SIGCONT");
    /** Stop; cannot be caught, blocked or ignored (19). */
    public static final Signal SIGSTOP = define(19, "SIGSTOP");
    /** Stop typed at the terminal, Ctrl-Z (20). */
    public static final Signal SIGTSTP = define(20, "SIGTSTP");
    /** Terminal input for a background process (21). */
    public static final Signal SIGTTIN = define(21, "SIGTTIN");
    /** Terminal output for a background process (22). */
    public static final Signal SIGTTOU = define(22, "SIGTTOU");
    /** Urgent condition on a socket (23). */
    public static final Signal SIGURG = define(23, "SIGURG");
    /** CPU time limit exceeded; dumps core (24). */
    public static final Signal SIGXCPU = define(24, "SIGXCPU");
    /** File size limit exceeded; dumps core (25). */
    public static final Signal SIGXFSZ = define(25, "SIGXFSZ");
    /** Virtual alarm clock (26). */
    public static final Signal SIGVTALRM = define(26, "SIGVTALRM");
    /** Profiling timer expired (27). */
    public static final Signal SIGPROF = define(27, "SIGPROF");
    /** Window resize (28). */
    public static final Signal SIGWINCH = define(28, "SIGWINCH");
    /** I/O now possible; also known as {@code SIGPOLL} (29). */
    public static final Signal SIGIO = define(29, "SIGIO");
    /** Power failure (30). */
    public static final Signal SIGPWR = define(30, "SIGPWR");
    /** Bad system call; dumps core (31). */
    public static final Signal SIGSYS = define(31, "SIGSYS");

    static {
        // glibc keeps 32 and 33 for its own thread cancellation and set*id broadcast;
        // the kernel still delivers them, so a wait status can carry them.
        define(32, "SIG32");
        define(33, "SIG33");
        for (int n = SIGRTMIN; n <= SIGRTMAX; n++) {
            define(n, n == SIGRTMIN ? "SIGRTMIN" : n == SIGRTMAX ? "SIGRTMAX" : "SIGRTMIN+" + (n - SIGRTMIN));
        }
    }

    private final int number;
    private final String name;

    private Signal(int number, String name) {
        this.number = number;
        this.name = name;
    }

    private static Signal define(int number, String name) {
        Signal s = new Signal(number, name);
        BY_NUMBER[number] = s;
        return s;
    }

    /** The signal number, as C's {@code SIGTERM} macro gives it (15). */
    public int number() {
        return number;
    }

    /** The C name, e.g. {@code "SIGTERM"}; real-time signals are {@code "SIGRTMIN+n"}. */
    public String name() {
        return name;
    }

    /** True for 34..64 ({@code SIGRTMIN..SIGRTMAX}). */
    public boolean isRealtime() {
        return number >= SIGRTMIN;
    }

    /** True for {@code SIGKILL} and {@code SIGSTOP}, whose dispositions cannot be changed or blocked. */
    public boolean isUncatchable() {
        return number == 9 || number == 19;
    }

    /**
     * The signal with this Linux number, like Python's {@code signal.Signals(n)}.
     *
     * @throws IllegalArgumentException for 0, negative numbers and numbers above 64
     */
    public static Signal of(int number) {
        Signal s = number > 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
        if (s == null) {
            throw new IllegalArgumentException("unknown signal number " + number
                    + ": Linux signals are 1.." + SIGRTMAX);
        }
        return s;
    }

    /**
     * The real-time signal {@code SIGRTMIN + offset}, like C's {@code SIGRTMIN+n}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= offset <= SIGRTMAX - SIGRTMIN}
     */
    public static Signal realtime(int offset) {
        if (offset < 0 || offset > SIGRTMAX - SIGRTMIN) {
            throw new IllegalArgumentException("real-time signal offset " + offset + " is outside 0.."
                    + (SIGRTMAX - SIGRTMIN) + " (SIGRTMIN+0..SIGRTMIN+" + (SIGRTMAX - SIGRTMIN) + ")");
        }
        return BY_NUMBER[SIGRTMIN + offset];
    }

    /**
     * The signal with this name: {@code "SIGTERM"}, {@code "TERM"} (any case), {@code "SIGPOLL"},
     * {@code "SIGIOT"}, {@code "SIGRTMIN+3"}, {@code "SIGRTMAX-1"} or a number {@code "15"}.
     * Corresponds to Python's {@code signal.Signals['SIGTERM']}.
     *
     * @throws IllegalArgumentException naming the text when no Linux signal has that name
     */
    public static Signal parse(String text) {
        Objects.requireNonNull(text, "signal name");
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
            try {
                return of(Integer.parseInt(t));
            } catch (NumberFormatException e) {
                throw unknownName(text);
            }
        }
        if (!t.startsWith("SIG")) {
            t = "SIG" + t;
        }
        switch (t) {
            case "SIGPOLL": return SIGIO;
            case "SIGIOT": return SIGABRT;
            case "SIGCLD": return SIGCHLD;
            default: break;
        }
        for (int base : new int[] {SIGRTMIN, SIGRTMAX}) {
            String prefix = base == SIGRTMIN ? "SIGRTMIN" : "SIGRTMAX";
            if (t.startsWith(prefix)) {
                String rest = t.substring(prefix.length());
                int offset;
                if (rest.isEmpty()) {
                    offset = 0;
                } else if (rest.matches("[+-][0-9]{1,2}")) {
                    offset = Integer.parseInt(rest);
                } else {
                    throw unknownName(text);
                }
                int n = base + offset;
                if (n < SIGRTMIN || n > SIGRTMAX) {
                    throw unknownName(text);
                }
                return BY_NUMBER[n];
            }
        }
        for (Signal s : BY_NUMBER) {
            if (s != null && s.name.equals(t)) {
                return s;
            }
        }
        throw unknownName(text);
    }

    private static IllegalArgumentException unknownName(String text) {
        return new IllegalArgumentException("unknown signal '" + text
                + "': expected a Linux signal name such as SIGTERM or TERM, SIGRTMIN+n, or a number 1.." + SIGRTMAX);
    }

    /** Every Linux signal, 1..64 in number order. */
    public static List<Signal> values() {
        List<Signal> all = new ArrayList<>();
        for (Signal s : BY_NUMBER) {
            if (s != null) {
                all.add(s);
            }
        }
        return Collections.unmodifiableList(all);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Signal && ((Signal) o).number == number;
    }

    @Override
    public int hashCode() {
        return number;
    }

    /** The C name, e.g. {@code "SIGTERM"}. */
    @Override
    public String toString() {
        return name;
    }
}
