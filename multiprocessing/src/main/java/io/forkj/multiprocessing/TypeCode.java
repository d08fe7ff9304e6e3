package io.forkj.multiprocessing;

/**
 * The type codes of Python's {@code array} module and {@code multiprocessing.sharedctypes}, with the sizes of
 * C types on Linux x86-64 and arm64 (LP64): 'l' and 'L' are 8 bytes, 'u' is a 4-byte {@code wchar_t}.
 */
enum TypeCode {
    BYTE('b', 1, -128, 127, false),
    UNSIGNED_BYTE('B', 1, 0, 255, false),
    CHAR('c', 1, -128, 255, false),
    SHORT('h', 2, Short.MIN_VALUE, Short.MAX_VALUE, false),
    UNSIGNED_SHORT('H', 2, 0, 65535, false),
    INT('i', 4, Integer.MIN_VALUE, Integer.MAX_VALUE, false),
    UNSIGNED_INT('I', 4, 0, 0xFFFF_FFFFL, false),
    LONG('l', 8, Long.MIN_VALUE, Long.MAX_VALUE, false),
    UNSIGNED_LONG('L', 8, 0, Long.MAX_VALUE, false),
    LONG_LONG('q', 8, Long.MIN_VALUE, Long.MAX_VALUE, false),
    UNSIGNED_LONG_LONG('Q', 8, 0, Long.MAX_VALUE, false),
    FLOAT('f', 4, 0, 0, true),
    DOUBLE('d', 8, 0, 0, true),
    WCHAR('u', 4, 0, Character.MAX_CODE_POINT, false);

    /** The codes, for error messages. */
    static final String ALL = "b B c h H i I l L q Q f d u";

    final char code;
    final int size;
    final long min;
    final long max;
    final boolean floating;

    TypeCode(char code, int size, long min, long max, boolean floating) {
        this.code = code;
        this.size = size;
        this.min = min;
        this.max = max;
        this.floating = floating;
    }

    static TypeCode of(char code) {
        for (TypeCode t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown type code '" + code + "': forkj knows " + ALL
                + " (Python's array module codes)");
    }

    boolean isInteger() {
        return !floating && this != WCHAR && this != CHAR;
    }
}
