package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.PathWalk;

/**
 * The path walk ({@code link_path_walk}): component by component through the dentry cache,
 * following symbolic links (at most {@link FileSystem#MAX_SYMLINK_FOLLOWS} in one walk, then
 * ELOOP), holding a reference on the inode it stands on and no lock between components.
 */
final class PathWalker {
    private final InodeCache icache;
    private final Dcache dcache;
    private final long rootIno;

    PathWalker(InodeCache icache, Dcache dcache, long rootIno) {
        this.icache = icache;
        this.dcache = dcache;
        this.rootIno = rootIno;
    }

    /** The inode at absolute {@code path}, referenced. A trailing slash wants a directory (and follows a link). */
    VfsInode walk(String path, boolean followLast) throws FsException {
        PathWalk.requireAbsolute(path);
        Names.checkPath(path);
        int[] follows = {0};
        boolean trailingSlash = path.length() > 1 && path.endsWith("/");
        VfsInode root = icache.get(rootIno);
        VfsInode at;
        try {
            at = walkFrom(root, path, followLast || trailingSlash, follows, path);
        } finally {
            icache.release(root);
        }
        if (trailingSlash && !at.isDir()) {
            icache.release(at);
            throw FsException.of(Errno.ENOTDIR, "%s: not a directory", path);
        }
        return at;
    }

    /** The directory that holds the last component of {@code path}, referenced. */
    VfsInode walkParent(String path) throws FsException {
        VfsInode dir = walk(PathWalk.parentPath(path), true);
        if (!dir.isDir()) {
            icache.release(dir);
            throw FsException.of(Errno.ENOTDIR, "%s: not a directory", PathWalk.parentPath(path));
        }
        return dir;
    }

    /**
     * Walks {@code path} from {@code start} (referenced by the caller, who keeps its reference);
     * an absolute {@code path} starts at the root.
     */
    private VfsInode walkFrom(VfsInode start, String path, boolean followLast, int[] follows, String whole)
            throws FsException {
        VfsInode cur = path.startsWith("/") ? icache.get(rootIno) : ref(start);
        try {
            String[] parts = path.split("/");
            int last = parts.length - 1;
            while (last >= 0 && parts[last].isEmpty()) {
                last--;
            }
            for (int i = 0; i <= last; i++) {
                String name = parts[i];
                if (name.isEmpty() || name.equals(".")) {
                    if (name.equals(".") && !cur.isDir()) {
                        throw FsException.of(Errno.ENOTDIR, "%s: component before \".\" is not a directory", whole);
                    }
                    continue;
                }
                if (!cur.isDir()) {
                    throw FsException.of(Errno.ENOTDIR, "%s: component before \"%s\" is not a directory", whole, name);
                }
                VfsInode next;
                try {
                    next = dcache.lookup(cur, name);
                } catch (FsException e) {
                    if (e.errno() == Errno.ENOENT) {
                        throw FsException.of(Errno.ENOENT, "%s: no such file or directory", whole);
                    }
                    throw e;
                }
                if (next.type() == FileType.SYMLINK && (i < last || followLast)) {
                    try {
                        if (++follows[0] > FileSystem.MAX_SYMLINK_FOLLOWS) {
                            throw FsException.of(Errno.ELOOP, "%s: too many levels of symbolic links", whole);
                        }
                        String target = next.vnode().readlink();
                        if (target.isEmpty()) {
                            throw FsException.of(Errno.ENOENT, "%s: a symbolic link to nothing", whole);
                        }
                        VfsInode resolved = walkFrom(cur, target, true, follows, whole);
                        icache.release(next);
                        next = resolved;
                    } catch (FsException e) {
                        icache.release(next);
                        throw e;
                    }
                }
                VfsInode prev = cur;
                cur = next;
                icache.release(prev);
            }
            return cur;
        } catch (FsException | RuntimeException e) {
            icache.release(cur);
            throw e;
        }
    }

    private static VfsInode ref(VfsInode i) throws FsException {
        if (!i.tryRef()) {
            throw FsException.of(Errno.ESTALE, "inode %d is being evicted", i.ino);
        }
        return i;
    }
}
