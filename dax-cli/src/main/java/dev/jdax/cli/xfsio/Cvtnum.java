package dev.jdax.cli.xfsio;

/**
 * xfs_io's number syntax ({@code libfrog/convert.c cvtnum}): a C integer (decimal, {@code 0x} hex,
 * {@code 0} octal) with at most one suffix: {@code b} blocks, {@code s} 512-byte sectors, or a
 * binary unit {@code k m g t p e} (either case). Anything else is not a number (-1).
 */
final class Cvtnum {
    private Cvtnum() {
    }

    static long parse(String s, long blockSize, long sectorSize) {
        if (s == null || s.isEmpty()) {
            return -1;
        }
        int i = 0;
        boolean negative = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            negative = s.charAt(0) == '-';
            i++;
        }
        int radix = 10;
        if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
            radix = 16;
            i += 2;
        } else if (s.length() > i + 1 && s.charAt(i) == '0' && Character.isDigit(s.charAt(i + 1))) {
            radix = 8;
            i++;
        }
        int digitsStart = i;
        while (i < s.length() && Character.digit(s.charAt(i), radix) >= 0) {
            i++;
        }
        if (i == digitsStart && !(radix == 8)) {
            return -1;
        }
        long value;
        try {
            value = i == digitsStart ? 0 : Long.parseUnsignedLong(s.substring(digitsStart, i), radix);
        } catch (NumberFormatException e) {
            return -1;
        }
        if (negative) {
            return -1;
        }
        if (i == s.length()) {
            return value;
        }
        if (i != s.length() - 1) {
            return -1;
        }
        long unit = switch (Character.toLowerCase(s.charAt(i))) {
            case 'b' -> blockSize;
            case 's' -> sectorSize;
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            case 'p' -> 1L << 50;
            case 'e' -> 1L << 60;
            default -> -1;
        };
        if (unit < 0) {
            return -1;
        }
        return Math.multiplyHigh(value, unit) != 0 || value * unit < 0 ? -1 : value * unit;
    }
}
