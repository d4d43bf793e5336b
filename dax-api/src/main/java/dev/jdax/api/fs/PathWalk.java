package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/**
 * Absolute-path resolution over {@link FileSystem#lookup}, with symlinks, as Linux's namei walks.
 * {@code ".."} is looked up like any name: every personality answers it from its on-disk parent link.
 */
public final class PathWalk {
    private PathWalk() {
    }

    static long resolve(FileSystem fs, String path, boolean followLast) throws FsException {
        requireAbsolute(path);
        int[] follows = {0};
        return walk(fs, fs.rootIno(), path, followLast, follows);
    }

    static long resolveParent(FileSystem fs, String path) throws FsException {
        requireAbsolute(path);
        String trimmed = stripTrailingSlashes(path);
        int slash = trimmed.lastIndexOf('/');
        if (trimmed.isEmpty() || trimmed.equals("/")) {
            throw FsException.of(Errno.EINVAL, "%s: the root has no parent entry", path);
        }
        String parent = slash == 0 ? "/" : trimmed.substring(0, slash);
        long dir = resolve(fs, parent, true);
        if (!fs.stat(dir).isDirectory()) {
            throw FsException.of(Errno.ENOTDIR, "%s: not a directory", parent);
        }
        return dir;
    }

    /** The last component of {@code path} ({@code "/a/b/"} gives {@code "b"}). */
    public static String lastName(String path) throws FsException {
        String trimmed = stripTrailingSlashes(path);
        String name = trimmed.substring(trimmed.lastIndexOf('/') + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw FsException.of(Errno.EINVAL, "%s: no file name at the end", path);
        }
        return name;
    }

    private static long walk(FileSystem fs, long start, String path, boolean followLast, int[] follows)
            throws FsException {
        long cur = path.startsWith("/") ? fs.rootIno() : start;
        String[] parts = path.split("/");
        int lastReal = parts.length - 1;
        while (lastReal >= 0 && parts[lastReal].isEmpty()) {
            lastReal--;
        }
        for (int i = 0; i <= lastReal; i++) {
            String name = parts[i];
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            StatInfo dirStat = fs.stat(cur);
            if (!dirStat.isDirectory()) {
                throw FsException.of(Errno.ENOTDIR, "%s: component before \"%s\" is not a directory", path, name);
            }
            long next;
            try {
                next = fs.lookup(cur, name);
            } catch (FsException e) {
                if (e.errno() == Errno.ENOENT) {
                    throw FsException.of(Errno.ENOENT, "%s: no such file or directory", path);
                }
                throw e;
            }
            boolean last = i == lastReal;
            StatInfo st = fs.stat(next);
            if (st.type() == FileType.SYMLINK && (!last || followLast)) {
                if (++follows[0] > FileSystem.MAX_SYMLINK_FOLLOWS) {
                    throw FsException.of(Errno.ELOOP, "%s: too many levels of symbolic links", path);
                }
                String target = fs.readlink(next);
                next = walk(fs, cur, target, true, follows);
            }
            cur = next;
        }
        return cur;
    }

    private static void requireAbsolute(String path) throws FsException {
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
