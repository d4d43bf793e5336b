package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/**
 * Absolute paths taken apart the way Linux's namei does: the last component of a path and its
 * parent's path. The walk itself (dentry cache, symbolic links, locks) is the VFS's.
 */
public final class PathWalk {
    private PathWalk() {
    }

    /**
     * The last component of {@code path} ({@code "/a/b/"} gives {@code "b"}).
     *
     * @param path a path
     * @return its last component
     * @throws FsException EINVAL when the path ends in nothing, {@code .} or {@code ..}
     */
    public static String lastName(String path) throws FsException {
        String trimmed = stripTrailingSlashes(path);
        String name = trimmed.substring(trimmed.lastIndexOf('/') + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw FsException.of(Errno.EINVAL, "%s: no file name at the end", path);
        }
        return name;
    }

    /**
     * The path of the directory holding the last component ({@code "/a/b"} gives {@code "/a"}).
     *
     * @param path an absolute path
     * @return the parent's path
     * @throws FsException EINVAL for a relative path or the root
     */
    public static String parentPath(String path) throws FsException {
        requireAbsolute(path);
        String trimmed = stripTrailingSlashes(path);
        if (trimmed.equals("/")) {
            throw FsException.of(Errno.EINVAL, "%s: the root has no parent entry", path);
        }
        int slash = trimmed.lastIndexOf('/');
        return slash == 0 ? "/" : trimmed.substring(0, slash);
    }

    /**
     * Refuses anything but an absolute path.
     *
     * @param path the path
     * @throws FsException EINVAL naming it
     */
    public static void requireAbsolute(String path) throws FsException {
        if (path == null || !path.startsWith("/")) {
            throw FsException.of(Errno.EINVAL, "%s: not an absolute path", path);
        }
    }

    private static String stripTrailingSlashes(String path) {
        int end = path.length();
        while (end > 1 && path.charAt(end - 1) == '/') {
            end--;
        }
        return path.substring(0, end);
    }
}
