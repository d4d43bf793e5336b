package dev.jdax.cli.xfsio;

import java.math.BigInteger;

/**
 * C's {@code strtoull(s, &end, 0)} as libxcmd's {@code timespec_from_string} uses it: leading
 * blanks, an optional sign (a minus negates the unsigned value), base 16 after {@code 0x}, base 8
 * after a leading {@code 0}, saturating at 2^64 - 1. The text is accepted only when nothing is left
 * after the digits; no digits at all leave the whole text, so only an empty one reads as 0.
 */
final class Strtoull {
    private static final BigInteger MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private Strtoull() {
    }

    /** The value as the 64 bits C keeps of it, or null when text follows the number. */
    static Long parse(String s) {
        return parse(s, 0);
    }

    /**
     * {@code strtoull(s, &end, base)} for base 0 (as above) or 10 (inode_f's: no prefixes, a
     * leading 0 is a decimal digit).
     */
    static Long parse(String s, int base) {
        int i = 0;
        while (i < s.length() && isSpace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        boolean prefixed = base == 0 && i < s.length() && s.charAt(i) == '0';
        if (prefixed && i + 2 < s.length() && (s.charAt(i + 1) | 0x20) == 'x' && Character.digit(s.charAt(i + 2), 16) >= 0) {
            radix = 16;
            i += 2;
        } else if (prefixed) {
            radix = 8;
        }
        int start = i;
        BigInteger v = BigInteger.ZERO;
        while (i < s.length() && Character.digit(s.charAt(i), radix) >= 0 && s.charAt(i) < 0x80) {
            v = v.multiply(BigInteger.valueOf(radix)).add(BigInteger.valueOf(Character.digit(s.charAt(i), radix)));
            i++;
        }
        if (i == start) {
            return s.isEmpty() ? 0L : null;
        }
        if (i != s.length()) {
            return null;
        }
        long bits = v.min(MAX).longValue();
        return negative && v.compareTo(MAX) <= 0 ? -bits : bits;
    }

    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
