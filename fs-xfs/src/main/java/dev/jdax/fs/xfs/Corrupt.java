package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/** Linux's EFSCORRUPTED (EUCLEAN): a structure that cannot be what it claims. */
final class Corrupt {
    private Corrupt() {
    }

    static FsException of(String format, Object... args) {
        return new FsException(Errno.EUCLEAN, "xfs: " + String.format(format, args));
    }

    static void check(boolean ok, String format, Object... args) throws FsException {
        if (!ok) {
            throw of(format, args);
        }
    }

    // The shapes most checks take, so that one that passes boxes nothing: the variable-arity
    // form makes its array and boxes every number before it knows whether it fails, on every
    // block read and every record compared.

    static void check(boolean ok, String format, long a) throws FsException {
        if (!ok) {
            throw of(format, a);
        }
    }

    static void check(boolean ok, String format, long a, long b) throws FsException {
        if (!ok) {
            throw of(format, a, b);
        }
    }

    static void check(boolean ok, String format, long a, long b, long c) throws FsException {
        if (!ok) {
            throw of(format, a, b, c);
        }
    }

    static void check(boolean ok, String format, Object a, long b) throws FsException {
        if (!ok) {
            throw of(format, a, b);
        }
    }

    static void check(boolean ok, String format, Object a, long b, long c) throws FsException {
        if (!ok) {
            throw of(format, a, b, c);
        }
    }

    static void check(boolean ok, String format, Object a, long b, long c, long d) throws FsException {
        if (!ok) {
            throw of(format, a, b, c, d);
        }
    }
}
