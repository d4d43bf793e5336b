package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.charset.StandardCharsets;

/** The rules every name obeys, whatever the format: Linux's namei and {@code NAME_MAX}. */
final class Names {
    /** {@code NAME_MAX}: bytes in one component. */
    static final int NAME_MAX = 255;
    /** {@code PATH_MAX}: bytes in a path, its terminating NUL included. */
    static final int PATH_MAX = 4096;

    private Names() {
    }

    /**
     * A name a new entry may have: one component, not empty, no {@code /} or NUL, not {@code .} or
     * {@code ..} (EEXIST for those, as creating them does in Linux), at most 255 bytes in UTF-8.
     */
    static void checkNew(String name) throws FsException {
        if (name.equals(".") || name.equals("..")) {
            throw FsException.of(Errno.EEXIST, "\"%s\": exists in every directory", name);
        }
        checkComponent(name);
    }

    /** A component a lookup may have: not empty, no {@code /} or NUL, at most 255 bytes. */
    static void checkComponent(String name) throws FsException {
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw FsException.of(Errno.EINVAL, "\"%s\": not a single file name", name);
        }
        if (name.length() > NAME_MAX / 3 && name.getBytes(StandardCharsets.UTF_8).length > NAME_MAX) {
            throw FsException.of(Errno.ENAMETOOLONG, "\"%.40s...\": %d bytes, the most is %d", name,
                    name.getBytes(StandardCharsets.UTF_8).length, NAME_MAX);
        }
    }

    static void checkPath(String path) throws FsException {
        if (path.length() >= PATH_MAX / 3 && path.getBytes(StandardCharsets.UTF_8).length >= PATH_MAX) {
            throw FsException.of(Errno.ENAMETOOLONG, "%.60s...: a path of %d bytes, the most is %d", path,
                    path.getBytes(StandardCharsets.UTF_8).length, PATH_MAX - 1);
        }
    }
}
