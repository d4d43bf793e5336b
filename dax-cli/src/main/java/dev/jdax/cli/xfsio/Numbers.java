package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/** xfs_io's number syntax for callers outside a process (4096-byte blocks, 512-byte sectors). */
public final class Numbers {
    private Numbers() {
    }

    /** {@code 4k}, {@code 0x1000}, {@code 1t} ...; EINVAL naming the text when it is not one. */
    public static long parse(String s) throws FsException {
        long v = Cvtnum.parse(s, 4096, 512);
        if (v < 0) {
            throw FsException.of(Errno.EINVAL, "\"%s\" is not a number (xfs_io syntax: 4096, 4k, 0x1000, 1m ...)", s);
        }
        return v;
    }
}
