package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.PathName;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.fs.PathWalk;

/**
 * The path walk ({@code link_path_walk}): component by component through the dentry cache,
 * following symbolic links (at most {@link FileSystem#MAX_SYMLINK_FOLLOWS} in one walk, then
 * ELOOP), holding a reference on the inode it stands on and no lock between components.
 *
 * <p>First it tries what Linux's RCU walk does ({@link #walkCached}): the dentries alone, no
 * reference, no lock, no allocation — the names looked up where they stand in the path. Anything
 * it cannot answer from the cache (a name not cached, a symbolic link to follow, {@code ..}, an
 * inode being evicted, an error to report) sends the caller to the walk with references, as
 * {@code -ECHILD} sends Linux's walk from RCU mode to ref mode.
 */
final class PathWalker {
    /** {@link #walkCached}'s answer when a negative dentry says the path names nothing (ENOENT). */
    static final VfsInode ABSENT = Dentries.NEGATIVE;
    /** {@link #existsCached}'s answer when a positive dentry says the path names something. */
    static final VfsInode PRESENT = new VfsInode(Vnode.NO_INO, false);

    private final InodeCache icache;
    private final Dcache dcache;
    private final long rootIno;
    private final AccessTimes accessTimes;
    /** The root, referenced once for the mount's life ({@code fs->root}); read in on the first walk. */
    private volatile VfsInode root;

    PathWalker(InodeCache icache, Dcache dcache, long rootIno, AccessTimes accessTimes) {
        this.icache = icache;
        this.dcache = dcache;
        this.rootIno = rootIno;
        this.accessTimes = accessTimes;
    }

    /** The root directory, held by the mount (not referenced for the caller). */
    private VfsInode root() throws FsException {
        VfsInode r = root;
        if (r == null) {
            synchronized (this) {
                r = root;
                if (r == null) {
                    r = icache.get(rootIno);
                    root = r;
                }
            }
        }
        return r;
    }

    /**
     * The inode at absolute {@code path} as the dentry cache alone says, not referenced: the inode
     * (read and not being evicted when found), {@link #ABSENT} when a negative dentry says there is
     * none, or null when the cache cannot tell and the walk with references must ({@link #walk}).
     * Without references the inode may be evicted once found; a caller that reads it checks
     * {@link VfsInode#live()} after.
     */
    VfsInode walkCached(String path, boolean followLast) {
        return walkCached(path, followLast, false);
    }

    /**
     * Whether {@code path} names something, as the dentry cache alone says: {@link #PRESENT},
     * {@link #ABSENT}, or null when the walk with references must tell. The last component's
     * dentry answers by its kind, without reading its inode ({@code access(F_OK)} needs no more).
     */
    VfsInode existsCached(String path, boolean followLast) {
        return walkCached(path, followLast, true);
    }

    private VfsInode walkCached(String path, boolean followLast, boolean existence) {
        VfsInode cur = root;
        int n = path.length();
        if (cur == null || n == 0 || path.charAt(0) != '/' || n >= Names.PATH_MAX / 3) {
            return null;
        }
        boolean trailingSlash = n > 1 && path.charAt(n - 1) == '/';
        int i = 1;
        while (true) {
            while (i < n && path.charAt(i) == '/') {
                i++;
            }
            if (i >= n) {
                break;
            }
            int j = path.indexOf('/', i);
            if (j < 0) {
                j = n;
            }
            if (!cur.isDir()) {
                return null; // ENOTDIR, told by the other walk
            }
            if (j - i <= 2 && path.charAt(i) == '.' && (j - i == 1 || path.charAt(i + 1) == '.')) {
                if (j - i == 2) {
                    return null; // "..": the parent is known by number only
                }
                i = j;
                continue;
            }
            Dentries names = cur.childrenIfAny();
            Dentries.Node hit = names == null ? null : names.node(path, i, j);
            int k = j;
            while (k < n && path.charAt(k) == '/') {
                k++;
            }
            VfsInode next = step(hit, k >= n, followLast, trailingSlash, existence);
            if (next == null || next == ABSENT || next == PRESENT) {
                return next;
            }
            cur = next;
            i = j;
        }
        return trailingSlash && !cur.isDir() ? null : cur;
    }

    /**
     * {@link #walkCached(String, boolean)} of a path name whose components are kept hashed: each
     * looked up by its kept hash and packing, nothing of the string read but a long name's
     * characters. An unhashed path name walks its string.
     */
    VfsInode walkCached(PathName p, boolean followLast) {
        return walkCached(p, followLast, false);
    }

    /** {@link #existsCached(String, boolean)} of a path name. */
    VfsInode existsCached(PathName p, boolean followLast) {
        return walkCached(p, followLast, true);
    }

    private VfsInode walkCached(PathName p, boolean followLast, boolean existence) {
        if (!p.hashed()) {
            return walkCached(p.path(), followLast, existence);
        }
        VfsInode cur = root;
        if (cur == null || p.path().length() >= Names.PATH_MAX / 3) {
            return null;
        }
        int last = p.components() - 1;
        for (int k = 0; k <= last; k++) {
            if (!cur.isDir()) {
                return null; // ENOTDIR, told by the other walk
            }
            Dentries names = cur.childrenIfAny();
            Dentries.Node hit = names == null ? null : names.node(p, k);
            VfsInode next = step(hit, k == last, followLast, p.trailingSlash(), existence);
            if (next == null || next == ABSENT || next == PRESENT) {
                return next;
            }
            cur = next;
        }
        return p.trailingSlash() && !cur.isDir() ? null : cur;
    }

    /**
     * What a cached walk makes of the dentry {@code hit} of a component ({@code last} when no
     * component follows): the inode to go on from, or the walk's answer — {@link #ABSENT} (a
     * negative dentry), {@link #PRESENT} (an existence question the dentry answers), null (the walk
     * with references must tell: nothing cached, an inode being evicted, a link to follow).
     */
    private static VfsInode step(Dentries.Node hit, boolean last, boolean followLast, boolean trailingSlash,
            boolean existence) {
        if (hit == null) {
            return null;
        }
        VfsInode next = hit.dentry();
        if (next == ABSENT) {
            return ABSENT; // the negative dentry itself
        }
        if (existence && last && hit.kind != Dentries.KIND_UNKNOWN) {
            // A positive dentry is the truth about its name whether or not its inode is still
            // in core; links to follow and a trailing slash on a non-directory go the long way.
            boolean follow = hit.kind == Dentries.KIND_SYMLINK && (followLast || trailingSlash);
            return follow || (trailingSlash && hit.kind != Dentries.KIND_DIRECTORY) ? null : PRESENT;
        }
        if (!next.live()) {
            return null;
        }
        if (next.type() == FileType.SYMLINK && (!last || followLast || trailingSlash)) {
            return null;
        }
        return next;
    }

    /** The inode at absolute {@code path}, referenced. A trailing slash wants a directory (and follows a link). */
    VfsInode walk(String path, boolean followLast) throws FsException {
        PathWalk.requireAbsolute(path);
        Names.checkPath(path);
        int[] follows = {0};
        boolean trailingSlash = path.length() > 1 && path.endsWith("/");
        VfsInode root = ref(root());
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
        String parent = PathWalk.parentPath(path);
        // The dentries first, as open's walk: an inode found live and referenced is the one the
        // walk with references would have found at some instant of the call (Linux legitimizes
        // an RCU walk's result the same way).
        VfsInode dir = walkCached(parent, true);
        if (dir == null || dir == ABSENT || !dir.tryRef()) {
            dir = walk(parent, true);
        }
        if (!dir.isDir()) {
            icache.release(dir);
            throw FsException.of(Errno.ENOTDIR, "%s: not a directory", parent);
        }
        return dir;
    }

    /**
     * Walks {@code path} from {@code start} (referenced by the caller, who keeps its reference);
     * an absolute {@code path} starts at the root.
     */
    private VfsInode walkFrom(VfsInode start, String path, boolean followLast, int[] follows, String whole)
            throws FsException {
        VfsInode cur = ref(path.startsWith("/") ? root() : start);
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
                        accessTimes.accessed(next.vnode(), false); // pick_link's touch_atime
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
