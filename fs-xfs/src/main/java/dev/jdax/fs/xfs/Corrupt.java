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
}
