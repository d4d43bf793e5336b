package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * The namespace and inode changes of a writable mount (Linux's xfs_create, xfs_link, xfs_remove,
 * xfs_rename, xfs_setattr_nonsize, xfs_inactive), each written straight to its blocks. Callers
 * hold the file system's lock.
 */
final class XfsMutations {
    private final XfsFileSystem fs;
    private final XfsDisk disk;
    private final XfsSpace space;
    private final ForkWriter forks;
    private final DirWriter dirs;

    XfsMutations(XfsFileSystem fs, XfsDisk disk, XfsSpace space) {
        this.fs = fs;
        this.disk = disk;
        this.space = space;
        this.forks = new ForkWriter(disk, space);
        this.dirs = new DirWriter(disk, space);
    }

    XfsSpace space() {
        return space;
    }

    ForkWriter forks() {
        return forks;
    }

    static byte[] checkName(String name) throws FsException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length == 0 || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw FsException.of(Errno.EINVAL, "xfs: invalid name \"%s\"", name);
        }
        if (n.length > 255) {
            throw FsException.of(Errno.ENAMETOOLONG, "xfs: name of %d bytes (max 255)", n.length);
        }
        return n;
    }

    void writeInode(XfsInode in) throws FsException {
        in.seal();
        disk.writeBytes(disk.inoToByte(in.ino()), in.raw, in.raw.length);
    }

    /** Entries of {@code dir} without "." and "..". */
    private List<DirRecord> entries(XfsInode dir) throws FsException {
        List<DirRecord> out = new ArrayList<>();
        for (DirRecord r : fs.dirRecords(dir.ino())) {
            if (!r.isDot()) {
                out.add(r);
            }
        }
        return out;
    }

    private long parentOf(XfsInode dir) throws FsException {
        return fs.lookup(dir.ino(), "..");
    }

    private static int find(List<DirRecord> entries, byte[] name) {
        for (int i = 0; i < entries.size(); i++) {
            if (Arrays.equals(entries.get(i).name(), name)) {
                return i;
            }
        }
        return -1;
    }

    private void rewriteDir(XfsInode dir, List<DirRecord> entries, long parent) throws FsException {
        List<BmapExtent> ext = new ArrayList<>(fs.extents(dir));
        List<List<Long>> tree = forks.levels(dir);     // reused by the new mapping, not freed and taken again
        dirs.write(dir, ext, entries, parent);
        if (dir.di_format() != XfsInode.FMT_LOCAL) {
            forks.persist(dir, ext, tree);
        } else {
            forks.freeAll(tree);
        }
        fs.cacheExtents(dir.ino(), dir.di_format() == XfsInode.FMT_LOCAL ? List.of() : ext);
        Instant now = Instant.now();
        dir.mtime(now);
        dir.ctime(now);
        writeInode(dir);
    }

    /** A fresh in-use inode near its directory (xfs_init_new_inode). */
    private XfsInode newInode(XfsInode dir, int mode, int uid, int gid, int format) throws FsException {
        long ino = space.allocInode(dir.ino());
        byte[] old = new byte[disk.sb().sb_inodesize()];
        disk.readBytes(disk.inoToByte(ino), old, old.length);
        long gen = be32(old, 92) + 1;
        XfsInode in = new XfsInode(ino, InodeChunk.freeInode(ino, old.length, disk.sb().metaUuid(), gen));
        in.di_mode(mode);
        in.di_format(format);
        put8(in.raw, 83, XfsInode.FMT_EXTENTS); // di_aformat with no attribute fork
        in.di_uid(uid);
        in.di_gid(gid);
        in.di_nlink(1);
        long flags2 = disk.sb().hasBigtime() ? XfsInode.XFS_DIFLAG2_BIGTIME : 0;
        flags2 |= dir.di_flags2() & XfsInode.XFS_DIFLAG2_DAX; // FS_XFLAG_DAX is inherited
        in.di_flags2(flags2);
        Instant now = Instant.now();
        in.atime(now);
        in.mtime(now);
        in.ctime(now);
        in.crtime(now);
        in.sDax = fs.daxMode().enables(in);
        fs.adopt(in, List.of());
        return in;
    }

    private void addEntry(XfsInode dir, byte[] name, XfsInode target) throws FsException {
        List<DirRecord> entries = entries(dir);
        if (find(entries, name) >= 0 || isDotName(name)) {
            throw FsException.of(Errno.EEXIST, "xfs: %s: exists", new String(name, StandardCharsets.UTF_8));
        }
        entries.add(new DirRecord(name, target.ino(), DirRecord.ftypeOfMode(target.di_mode())));
        rewriteDir(dir, entries, parentOf(dir));
    }

    private static boolean isDotName(byte[] n) {
        return new DirRecord(n, 0, 0).isDot();
    }

    private XfsInode writableDir(long dir) throws FsException {
        XfsInode d = fs.inode(dir);
        if (!d.isDir()) {
            throw FsException.of(Errno.ENOTDIR, "xfs: inode %d is not a directory", dir);
        }
        if (d.di_nlink() == 0) {
            throw FsException.of(Errno.ENOENT, "xfs: directory %d was removed", dir);
        }
        return d;
    }

    /**
     * EEXIST when {@code dir} has {@code name}; and whatever would keep the directory from taking
     * the entry (see DirWriter#checkFits) fails now, before anything changes. A new inode's number
     * is not known yet: the largest the file system can have stands for it.
     */
    private boolean requireAbsent(XfsInode dir, byte[] name, long ino, int mode) throws FsException {
        List<DirRecord> entries = entries(dir);
        if (find(entries, name) >= 0 || isDotName(name)) {
            throw FsException.of(Errno.EEXIST, "xfs: %s: exists", new String(name, StandardCharsets.UTF_8));
        }
        entries.add(new DirRecord(name, ino < 0 ? disk.ino(disk.agcount() - 1, (disk.agblocks() << disk.inopblog()) - 1)
                : ino, DirRecord.ftypeOfMode(mode)));
        return dirs.checkFits(dir, fs.extents(dir), entries, parentOf(dir));
    }

    /**
     * xfs_trans_alloc_dir's retry: the blocks the change may need, or none at all when they cannot
     * be had and every directory it rewrites keeps its blocks (link and rename may go on then).
     */
    private void reserveDirChange(long blocks, boolean inPlace) throws FsException {
        try {
            space.reserve(blocks, false);
        } catch (FsException e) {
            if (e.errno() != Errno.ENOSPC || !inPlace) {
                throw e;
            }
        }
    }

    long create(long dirIno, String name, int mode, int uid, int gid) throws FsException {
        byte[] n = checkName(name);
        XfsInode dir = writableDir(dirIno);
        requireAbsent(dir, n, -1, 0100000);
        space.reserve(XfsReservations.create(disk), false);
        XfsInode in = newInode(dir, 0100000 | (mode & 07777), uid, gid, XfsInode.FMT_EXTENTS);
        writeInode(in);
        addEntry(dir, n, in);
        return in.ino();
    }

    long mkdir(long dirIno, String name, int mode, int uid, int gid) throws FsException {
        byte[] n = checkName(name);
        XfsInode dir = writableDir(dirIno);
        requireAbsent(dir, n, -1, 0040000);
        space.reserve(XfsReservations.create(disk), false);
        XfsInode in = newInode(dir, 0040000 | (mode & 07777), uid, gid, XfsInode.FMT_LOCAL);
        in.di_nlink(2);
        dirs.write(in, new ArrayList<>(), List.of(), dir.ino());
        writeInode(in);
        dir.di_nlink(dir.di_nlink() + 1);
        addEntry(dir, n, in);
        return in.ino();
    }

    long symlink(long dirIno, String name, String target, int uid, int gid) throws FsException {
        byte[] n = checkName(name);
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        if (t.length == 0 || t.length >= XfsSymlinks.MAXPATHLEN) {
            throw FsException.of(t.length == 0 ? Errno.ENOENT : Errno.ENAMETOOLONG, "xfs: symlink target of %d bytes",
                    t.length);
        }
        XfsInode dir = writableDir(dirIno);
        requireAbsent(dir, n, -1, 0120000);
        boolean inline = t.length <= disk.sb().sb_inodesize() - XfsInode.CORE_SIZE;
        space.reserve(XfsReservations.create(disk) + (inline ? 0 : XfsSymlinks.remoteBlocks(disk, t.length)), false);
        XfsInode in = newInode(dir, 0120777, uid, gid, XfsInode.FMT_LOCAL);
        in.di_size(t.length);
        if (t.length <= in.dataForkSize()) {
            System.arraycopy(t, 0, in.raw, XfsInode.CORE_SIZE, t.length);
        } else {
            in.di_format(XfsInode.FMT_EXTENTS);
            List<BmapExtent> ext = XfsSymlinks.writeRemote(disk, space, in, t);
            forks.persist(in, ext);
            fs.cacheExtents(in.ino(), ext);
        }
        writeInode(in);
        addEntry(dir, n, in);
        return in.ino();
    }

    void link(long ino, long dirIno, String name) throws FsException {
        byte[] n = checkName(name);
        XfsInode in = fs.inode(ino);
        if (in.isDir()) {
            throw FsException.of(Errno.EPERM, "xfs: link: inode %d is a directory", ino);
        }
        XfsInode dir = writableDir(dirIno);
        reserveDirChange(XfsReservations.dirEnter(disk), requireAbsent(dir, n, in.ino(), in.di_mode()));
        addEntry(dir, n, in);
        in.di_nlink(in.di_nlink() + 1);
        in.ctime(Instant.now());
        writeInode(in);
    }

    void unlink(long dirIno, String name, boolean wantDir) throws FsException {
        byte[] n = checkName(name);
        XfsInode dir = writableDir(dirIno);
        List<DirRecord> entries = entries(dir);
        int i = find(entries, n);
        if (i < 0) {
            throw FsException.of(isDotName(n) ? (wantDir ? Errno.EINVAL : Errno.EISDIR) : Errno.ENOENT,
                    "xfs: %s: no such entry in directory %d", name, dirIno);
        }
        XfsInode in = fs.inode(entries.get(i).ino());
        if (wantDir && !in.isDir()) {
            throw FsException.of(Errno.ENOTDIR, "xfs: rmdir %s: not a directory", name);
        }
        if (!wantDir && in.isDir()) {
            throw FsException.of(Errno.EISDIR, "xfs: unlink %s: is a directory", name);
        }
        if (wantDir && !entries(in).isEmpty()) {
            throw FsException.of(Errno.ENOTEMPTY, "xfs: rmdir %s: directory not empty", name);
        }
        entries.remove(i);
        if (wantDir) {
            dir.di_nlink(dir.di_nlink() - 1);
        }
        rewriteDir(dir, entries, parentOf(dir));
        dropLink(in, wantDir);
    }

    /** One name less; the inode goes with its last name unless a file is still open on it. */
    private void dropLink(XfsInode in, boolean isDir) throws FsException {
        in.di_nlink(isDir ? 0 : in.di_nlink() - 1);
        in.ctime(Instant.now());
        if (in.di_nlink() == 0 && !fs.isOpen(in.ino())) {
            destroy(in);
        } else {
            writeInode(in);
        }
    }

    /** Frees every block and the inode itself (xfs_inactive, xfs_ifree). */
    void destroy(XfsInode in) throws FsException {
        if (in.di_format() == XfsInode.FMT_EXTENTS || in.di_format() == XfsInode.FMT_BTREE) {
            List<BmapExtent> ext = new ArrayList<>(fs.extents(in));
            forks.dropTree(in);
            for (long[] f : ExtentList.remove(ext, 0, Long.MAX_VALUE / 2)) {
                space.freeBlocks(f[0], f[1]);
            }
        }
        byte[] free = InodeChunk.freeInode(in.ino(), in.raw.length, disk.sb().metaUuid(), in.di_gen() + 1);
        disk.writeBytes(disk.inoToByte(in.ino()), free, free.length);
        space.freeInode(in.ino());
        fs.forget(in.ino());
    }

    void rename(long fromDir, String fromName, long toDir, String toName, int flags) throws FsException {
        byte[] fn = checkName(fromName);
        byte[] tn = checkName(toName);
        XfsInode src = writableDir(fromDir);
        XfsInode dst = writableDir(toDir);
        List<DirRecord> srcEntries = entries(src);
        int si = find(srcEntries, fn);
        if (si < 0) {
            throw FsException.of(Errno.ENOENT, "xfs: rename %s: no such entry", fromName);
        }
        XfsInode moving = fs.inode(srcEntries.get(si).ino());
        if (moving.isDir() && isAncestor(moving.ino(), dst.ino())) {
            throw FsException.of(Errno.EINVAL, "xfs: rename %s: into its own subdirectory", fromName);
        }
        List<DirRecord> dstEntries = fromDir == toDir ? srcEntries : entries(dst);
        int di = find(dstEntries, tn);
        if (di >= 0 && dstEntries.get(di).ino() == moving.ino()) {
            return; // same inode: nothing to do (rename(2))
        }
        XfsInode victim = null;
        if (di >= 0) {
            if ((flags & OpenFlags.RENAME_NOREPLACE) != 0) {
                throw FsException.of(Errno.EEXIST, "xfs: rename %s: target exists", toName);
            }
            victim = fs.inode(dstEntries.get(di).ino());
            if (victim.isDir() && !moving.isDir()) {
                throw FsException.of(Errno.EISDIR, "xfs: rename onto directory %s", toName);
            }
            if (!victim.isDir() && moving.isDir()) {
                throw FsException.of(Errno.ENOTDIR, "xfs: rename directory onto %s", toName);
            }
            if (victim.isDir() && !entries(victim).isEmpty()) {
                throw FsException.of(Errno.ENOTEMPTY, "xfs: rename onto %s: directory not empty", toName);
            }
        }
        boolean movesDir = fromDir != toDir && moving.isDir();
        long blocks = XfsReservations.dirRemove(disk) + XfsReservations.dirEnter(disk) * (movesDir ? 2 : 1);
        DirRecord rec = new DirRecord(tn, moving.ino(), DirRecord.ftypeOfMode(moving.di_mode()));
        if (fromDir == toDir) {
            srcEntries.remove(si);
            int again = find(srcEntries, tn);
            if (again >= 0) {
                srcEntries.set(again, rec);
            } else {
                srcEntries.add(rec);
            }
            reserveDirChange(blocks, dirs.checkFits(src, fs.extents(src), srcEntries, parentOf(src)));
            if (victim != null && victim.isDir()) {
                src.di_nlink(src.di_nlink() - 1);
            }
            rewriteDir(src, srcEntries, parentOf(src));
        } else {
            srcEntries.remove(si);
            if (di >= 0) {
                dstEntries.set(di, rec);
            } else {
                dstEntries.add(rec);
            }
            boolean inPlace = !moving.isDir() || dirs.checkFits(moving, fs.extents(moving), entries(moving), dst.ino());
            inPlace &= dirs.checkFits(dst, fs.extents(dst), dstEntries, parentOf(dst));
            reserveDirChange(blocks, inPlace);
            if (moving.isDir()) {
                src.di_nlink(src.di_nlink() - 1);
                if (victim == null) {
                    dst.di_nlink(dst.di_nlink() + 1);
                }
                rewriteDir(moving, entries(moving), dst.ino());
            }
            rewriteDir(src, srcEntries, parentOf(src));
            rewriteDir(dst, dstEntries, parentOf(dst));
        }
        moving.ctime(Instant.now());
        writeInode(moving);
        if (victim != null) {
            dropLink(victim, victim.isDir());
        }
    }

    private boolean isAncestor(long dirIno, long ino) throws FsException {
        long cur = ino;
        for (int depth = 0; depth < 4096; depth++) {
            if (cur == dirIno) {
                return true;
            }
            long parent = fs.lookup(cur, "..");
            if (parent == cur) {
                return false;
            }
            cur = parent;
        }
        throw Corrupt.of("directory %d: parent chain does not reach the root", ino);
    }

    void setattr(long ino, SetAttr a) throws FsException {
        XfsInode in = fs.inode(ino);
        if (a.mode() != null) {
            in.di_mode((in.di_mode() & 0170000) | (a.mode() & 07777));
        }
        if (a.uid() != null) {
            in.di_uid(a.uid());
        }
        if (a.gid() != null) {
            in.di_gid(a.gid());
        }
        if (a.atime() != null) {
            in.atime(a.atime());
        }
        if (a.mtime() != null) {
            in.mtime(a.mtime());
        }
        in.ctime(Instant.now());
        writeInode(in);
    }

    /** Stores the in-core superblock's counters (lazy-count: written at unmount, as xfs_log_sbcount does). */
    void writeSuperblockCounters() throws FsException {
        XfsSuperblock sb = disk.sb();
        sb.updateCrc();
        disk.writeBytes(0, sb.buf, sb.sb_sectsize());
    }

    /** Truncates a regular file's mapping to {@code newSize}: blocks wholly beyond it are freed. */
    void freeBeyond(XfsInode in, long newSize) throws FsException {
        long firstFree = (newSize + disk.blockSize() - 1) >>> disk.blockLog();
        List<BmapExtent> ext = new ArrayList<>(fs.extents(in));
        List<long[]> freed = ExtentList.remove(ext, firstFree, BmapExtent.MAX_STARTOFF - firstFree);
        for (long[] f : freed) {
            space.freeBlocks(f[0], f[1]);
        }
        forks.persist(in, ext);
        fs.cacheExtents(in.ino(), ext);
    }
}
