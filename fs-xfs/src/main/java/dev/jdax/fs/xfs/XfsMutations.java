package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.iomap.CoarseClock;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * The namespace and inode changes of a writable mount (Linux's xfs_create, xfs_link, xfs_remove,
 * xfs_rename, xfs_setattr_nonsize, xfs_inactive), each written straight to its blocks. The VFS has
 * checked names, existence, link limits and ancestry and holds the directories and inodes
 * involved; this class changes the directory blocks, link counts and unlinked lists.
 */
final class XfsMutations {
    private final XfsFileSystem fs;
    private final XfsDisk disk;
    private final XfsSpace space;
    private final ForkWriter forks;
    private final DirWriter dirs;
    private final DirEditor editor;
    private final BlockDirEditor blockDirs;
    private final XfsUnlinked unlinked;

    XfsMutations(XfsFileSystem fs, XfsDisk disk, XfsSpace space) {
        this.fs = fs;
        this.disk = disk;
        this.space = space;
        this.forks = new ForkWriter(disk, space);
        this.dirs = new DirWriter(disk, space);
        this.editor = new DirEditor(fs, disk, space, forks);
        this.blockDirs = new BlockDirEditor(fs, disk);
        this.unlinked = new XfsUnlinked(fs, disk, space);
    }

    XfsSpace space() {
        return space;
    }

    ForkWriter forks() {
        return forks;
    }

    XfsUnlinked unlinked() {
        return unlinked;
    }

    void writeInode(XfsInode in) throws FsException {
        fs.changeInode(in, i -> { });
    }

    void changeInode(XfsInode in, java.util.function.Consumer<XfsInode> change) throws FsException {
        fs.changeInode(in, change);
    }

    void changeInode(XfsInode in, boolean data, java.util.function.Consumer<XfsInode> change) throws FsException {
        fs.changeInode(in, data, change);
    }

    /** Entries of {@code dir} without "." and "..". */
    private List<DirRecord> entries(XfsInode dir) throws FsException {
        List<DirRecord> out = new ArrayList<>();
        for (DirRecord r : fs.dirRecords(dir)) {
            if (!r.isDot()) {
                out.add(r);
            }
        }
        return out;
    }

    private long parentOf(XfsInode dir) throws FsException {
        return fs.lookup(dir, "..");
    }

    private static int find(List<DirRecord> entries, byte[] name) {
        for (int i = 0; i < entries.size(); i++) {
            if (Arrays.equals(entries.get(i).name(), name)) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] bytes(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
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
        fs.cacheExtents(dir, dir.di_format() == XfsInode.FMT_LOCAL ? List.of() : ext);
        Instant now = CoarseClock.now(1);
        fs.changeInode(dir, d -> {
            d.mtime(now);
            d.ctime(now);
        });
    }

    /** A fresh in-use inode near its directory (xfs_init_new_inode). */
    private XfsInode newInode(XfsInode dir, int mode, int uid, int gid, int format) throws FsException {
        long ino = space.allocInode(dir.ino(), (mode & 0170000) == 0040000);
        fs.births.claimed(ino);
        // The copy read for its generation becomes the new inode's image.
        byte[] raw = disk.readInode(ino);
        InodeChunk.makeFree(raw, ino, disk.sb().metaUuid(), be32(raw, 92) + 1);
        XfsInode in = new XfsInode(ino, raw);
        in.di_mode(mode);
        in.di_format(format);
        put8(in.raw, 83, XfsInode.FMT_EXTENTS); // di_aformat with no attribute fork
        in.di_uid(uid);
        in.di_gid(gid);
        in.di_nlink(1);
        long flags2 = disk.sb().hasBigtime() ? XfsInode.XFS_DIFLAG2_BIGTIME : 0;
        flags2 |= dir.di_flags2() & XfsInode.XFS_DIFLAG2_DAX; // FS_XFLAG_DAX is inherited
        FileType type = FileType.ofMode(mode);
        if ((dir.di_flags2() & XfsInode.XFS_DIFLAG2_COWEXTSIZE) != 0 && (type == FileType.REGULAR || type == FileType.DIRECTORY)) {
            // xfs_inode_inherit_flags2, whose cowextsize check then drops the hint from other types
            flags2 |= XfsInode.XFS_DIFLAG2_COWEXTSIZE;
            in.di_cowextsize(dir.di_cowextsize());
        }
        in.di_flags2(flags2);
        inheritFlags(dir, in);
        Instant now = CoarseClock.now(1);
        in.atime(now);
        in.mtime(now);
        in.ctime(now);
        in.crtime(now);
        in.extents = List.of();
        fs.adopt(in);
        return in;
    }

    /**
     * xfs_inode_inherit_flags and the project id, for a new inode. A regular file or directory
     * takes sync, noatime, nodump, no-defrag and filestream, a directory also proj-inherit and
     * rt-inherit (a regular file would take realtime, where there is a realtime section); every
     * type takes a proj-inherit directory's project id. A directory with XFS_DIFLAG_EXTSZINHERIT
     * gives its hint to a new directory (which passes it on) and to a new regular file (as its own
     * hint). Other types take no hint: the kernel copies it to them too, and
     * xfs_inode_validate_extsize then drops it.
     */
    private static void inheritFlags(XfsInode dir, XfsInode in) {
        int type = in.di_mode() & 0170000;
        if (type == 0040000 || type == 0100000) {
            // The fs.xfs.inherit_sync, inherit_noatime, inherit_nodump and inherit_nodefrag sysctls,
            // 1 by default, and inherit_nosymlinks, 0; immutable and append-only stay with the
            // directory (Linux 6.1, measured: attr-inherit, attr-more-flags).
            int inherited = InodeFlags.CHATTR & ~(XfsInode.XFS_DIFLAG_IMMUTABLE | XfsInode.XFS_DIFLAG_APPEND)
                    | FsxAttr.FS_XFLAG_NODEFRAG | FsxAttr.FS_XFLAG_FILESTREAM
                    | (type == 0040000 ? FsxAttr.FS_XFLAG_PROJINHERIT | FsxAttr.FS_XFLAG_RTINHERIT : 0);
            in.di_flags(in.di_flags() | dir.di_flags() & inherited);
        }
        if ((dir.di_flags() & FsxAttr.FS_XFLAG_PROJINHERIT) != 0) {
            in.di_projid(dir.di_projid()); // xfs_init_new_inode, for an inode of any type
        }
        if ((dir.di_flags() & XfsInode.XFS_DIFLAG_EXTSZINHERIT) == 0) {
            return;
        }
        int flag = switch (in.di_mode() & 0170000) {
            case 0040000 -> XfsInode.XFS_DIFLAG_EXTSZINHERIT;
            case 0100000 -> XfsInode.XFS_DIFLAG_EXTSIZE;
            default -> 0;
        };
        if (flag != 0 && dir.di_extsize() != 0) {
            in.di_flags(in.di_flags() | flag);
            in.di_extsize(dir.di_extsize());
        }
    }

    /** Adds the entry by {@code inPlace}, the plan {@link #checkFits} made under the same lock, when there is one. */
    private void addEntry(XfsInode dir, byte[] name, XfsInode target, DirEditor.Plan inPlace) throws FsException {
        DirRecord rec = new DirRecord(name, target.ino(), DirRecord.ftypeOfMode(target.di_mode()));
        if (inPlace != null ? editor.add(inPlace, rec) : blockDirs.add(dir, rec) || editor.addToLeaf(dir, rec)) {
            return;
        }
        List<DirRecord> entries = entries(dir);
        entries.add(rec);
        rewriteDir(dir, entries, parentOf(dir));
    }

    /**
     * Whatever would keep {@code dir} from taking the entry {@code name} (see DirWriter#checkFits)
     * fails now, before anything changes; true when the directory keeps its blocks. A new inode's
     * number is not known yet ({@code ino} &lt; 0): the largest the file system can have stands for it.
     * The VFS has checked that the name is free; finding it here is corruption. {@code inPlace}: the
     * plan {@link DirEditor#plan} made for the name under the same lock (null: none), which the add
     * then follows.
     */
    private boolean checkFits(XfsInode dir, byte[] name, long ino, int mode, DirEditor.Plan inPlace) throws FsException {
        if (inPlace != null) {
            return !inPlace.allocates();        // DirEditor#add finds a name there under the lock
        }
        if (Boolean.TRUE.equals(blockDirs.fits(dir, name.length)) || editor.leafTakes(dir, name)) {
            return true;                      // BlockDirEditor#add or DirEditor#addToLeaf finds a name there under the lock
        }
        List<DirRecord> entries = entries(dir);
        if (find(entries, name) >= 0) {
            throw Corrupt.of("directory %d: \"%s\" appeared under its lock", dir.ino(), new String(name, StandardCharsets.UTF_8));
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

    XfsInode create(XfsInode dir, String name, int mode, int uid, int gid) throws FsException {
        return xfsCreate(dir, name, 0100000 | (mode & 07777), uid, gid, XfsInode.FMT_EXTENTS, 0);
    }

    /**
     * xfs_create, which regular files and special files share: {@code name} in {@code dir} for a new
     * inode of {@code mode} whose data fork has {@code format} ({@code dev}, an xfs_dev_t, in a
     * device's fork).
     */
    private XfsInode xfsCreate(XfsInode dir, String name, int mode, int uid, int gid, int format, int dev)
            throws FsException {
        byte[] n = bytes(name);
        DirEditor.Plan inPlace = editor.plan(dir, fs.extents(dir), n);
        checkFits(dir, n, -1, mode & 0170000, inPlace);
        space.reserve(XfsReservations.create(disk), false);
        XfsInode in = newInode(dir, mode, uid, gid, format);
        if (format == XfsInode.FMT_DEV) {
            put32(in.raw, XfsInode.CORE_SIZE, dev & 0xffffffffL);
        }
        writeInode(in);
        addEntry(dir, n, in, inPlace);
        return in;
    }

    XfsInode mkdir(XfsInode dir, String name, int mode, int uid, int gid) throws FsException {
        byte[] n = bytes(name);
        DirEditor.Plan inPlace = editor.plan(dir, fs.extents(dir), n);
        checkFits(dir, n, -1, 0040000, inPlace);
        space.reserve(XfsReservations.create(disk), false);
        XfsInode in = newInode(dir, 0040000 | (mode & 07777), uid, gid, XfsInode.FMT_LOCAL);
        in.di_nlink(2);
        dirs.write(in, new ArrayList<>(), List.of(), dir.ino());
        writeInode(in);
        fs.changeInode(dir, d -> d.di_nlink(d.di_nlink() + 1));
        addEntry(dir, n, in, inPlace);
        return in;
    }

    XfsInode symlink(XfsInode dir, String name, String target, int uid, int gid) throws FsException {
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        if (t.length == 0 || t.length >= XfsSymlinks.MAXPATHLEN) {
            throw FsException.of(t.length == 0 ? Errno.ENOENT : Errno.ENAMETOOLONG, "xfs: symlink target of %d bytes",
                    t.length);
        }
        byte[] n = bytes(name);
        DirEditor.Plan inPlace = editor.plan(dir, fs.extents(dir), n);
        checkFits(dir, n, -1, 0120000, inPlace);
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
            fs.cacheExtents(in, ext);
        }
        writeInode(in);
        addEntry(dir, n, in, inPlace);
        return in;
    }

    /**
     * xfs_vn_mknod: a device, FIFO or socket, its data fork the device number (XFS_DINODE_FMT_DEV,
     * 0 for a FIFO or socket). xfs_generic_create refuses first a number that sysv_encode_dev cannot
     * hold or whose major passes 511, which IRIX did not want to see.
     */
    XfsInode mknod(XfsInode dir, String name, int mode, long rdev, int uid, int gid) throws FsException {
        boolean device = DeviceNumbers.hasDevice(FileType.ofMode(mode));
        if (device && (DeviceNumbers.major(rdev) > 0x1ff || DeviceNumbers.minor(rdev) > 0x3ffff)) {
            throw FsException.of(Errno.EINVAL, "xfs: mknod \"%s\": device %d,%d: XFS holds majors to 511 and minors to %d",
                    name, DeviceNumbers.major(rdev), DeviceNumbers.minor(rdev), 0x3ffff);
        }
        return xfsCreate(dir, name, mode & 0177777, uid, gid, XfsInode.FMT_DEV, device ? DeviceNumbers.sysvEncode(rdev) : 0);
    }

    /**
     * xfs_create_tmpfile: a new regular file near {@code dir} but in no directory, born with no link
     * and on its AGI's unlinked list, where a crash leaves it for the next mount to free.
     */
    XfsInode tmpfile(XfsInode dir, int mode, int uid, int gid) throws FsException {
        space.reserve(XfsReservations.inodeAlloc(disk), false);
        XfsInode in = newInode(dir, 0100000 | (mode & 07777), uid, gid, XfsInode.FMT_EXTENTS);
        in.di_nlink(0);
        writeInode(in);
        unlinked.add(in);
        return in;
    }

    /**
     * xfs_link's and xfs_rename's rule for a directory with proj-inherit: it takes a name only for
     * an inode of its own project (EXDEV otherwise, which mv answers by copying), or the project's
     * quota could be walked around. Only the directory that gains the name is asked, even by an
     * exchange (xfs_rename checks before it turns to xfs_cross_rename); leaving one is free.
     */
    static void requireProject(XfsInode dir, XfsInode in, String op, String name) throws FsException {
        if ((dir.di_flags() & FsxAttr.FS_XFLAG_PROJINHERIT) != 0 && dir.di_projid() != in.di_projid()) {
            throw FsException.of(Errno.EXDEV, "xfs: %s \"%s\": inode %d is in project %d, directory %d (proj-inherit) in %d",
                    op, name, in.ino(), Integer.toUnsignedLong(in.di_projid()), dir.ino(),
                    Integer.toUnsignedLong(dir.di_projid()));
        }
    }

    void link(XfsInode dir, String name, XfsInode in) throws FsException {
        requireProject(dir, in, "link", name);
        byte[] n = bytes(name);
        DirEditor.Plan inPlace = editor.plan(dir, fs.extents(dir), n);
        reserveDirChange(XfsReservations.dirEnter(disk), checkFits(dir, n, in.ino(), in.di_mode(), inPlace));
        // The name first: a directory that cannot take it fails before the inode changes.
        addEntry(dir, n, in, inPlace);
        boolean wasUnlinked = in.di_nlink() == 0;
        fs.changeInode(in, i -> {
            i.di_nlink(i.di_nlink() + 1);
            i.ctime(CoarseClock.now(1));
        });
        if (wasUnlinked) {
            unlinked.remove(in);
        }
    }

    void unlink(XfsInode dir, String name, XfsInode in) throws FsException {
        remove(dir, name);
        dropLink(in, false);
    }

    void rmdir(XfsInode dir, String name, XfsInode in) throws FsException {
        if (!entries(in).isEmpty()) {
            throw FsException.of(Errno.ENOTEMPTY, "xfs: rmdir %s: directory not empty", name);
        }
        fs.changeInode(dir, d -> d.di_nlink(d.di_nlink() - 1));
        remove(dir, name);
        dropLink(in, true);
    }

    private void remove(XfsInode dir, String name) throws FsException {
        DirEditor.Removal removal = editor.remove(dir, bytes(name));
        if (removal != DirEditor.Removal.NOT_HERE) {
            if (removal == DirEditor.Removal.LEAF_NOW && editor.leafBecomesBlock(dir)) {
                rewriteDir(dir, entries(dir), parentOf(dir));   // xfs_dir2_leaf_to_block, and block_to_sf when it fits
            }
            return;
        }
        if (blockDirs.remove(dir, bytes(name))) {
            return;
        }
        List<DirRecord> entries = entries(dir);
        int i = find(entries, bytes(name));
        if (i < 0) {
            throw Corrupt.of("directory %d lost \"%s\" under its lock", dir.ino(), name);
        }
        entries.remove(i);
        rewriteDir(dir, entries, parentOf(dir));
    }

    /** One name less; at none the inode goes on its AGI's unlinked list until the VFS lets it go. */
    private void dropLink(XfsInode in, boolean isDir) throws FsException {
        fs.changeInode(in, i -> {
            i.di_nlink(isDir ? 0 : i.di_nlink() - 1);
            i.ctime(CoarseClock.now(1));
        });
        if (in.di_nlink() == 0) {
            unlinked.add(in);
        }
    }

    /**
     * Frees every block and the inode itself (xfs_inactive, xfs_ifree), and takes it off the unlinked
     * list: the blocks leave the file now and are freed as the transaction ends, in its checkpoint
     * (XfsTrans.Handle#freeLater). Inside a transaction.
     */
    void destroy(XfsInode in) throws FsException {
        if (in.di_format() == XfsInode.FMT_EXTENTS || in.di_format() == XfsInode.FMT_BTREE) {
            in.ilock.lockExclusive();
            try {
                List<BmapExtent> ext = new ArrayList<>(fs.extents(in));
                forks.dropTree(in);
                disk.log().handle().freeLater(ExtentList.remove(ext, 0, Long.MAX_VALUE / 2));
                in.extents = List.of();
            } finally {
                in.ilock.unlockExclusive();
            }
        }
        unlinked.remove(in);
        synchronized (in) {
            InodeChunk.makeFree(in.raw, in.ino(), disk.sb().metaUuid(), in.di_gen() + 1);
            disk.writeInode(in.ino(), in.raw, true, false);
        }
        space.freeInode(in.ino());
    }

    /** xfs_cross_rename (RENAME_EXCHANGE): the two names swap inodes; "..", link counts follow directories. */
    void exchange(XfsInode src, String fromName, XfsInode moving, XfsInode dst, String toName, XfsInode other)
            throws FsException {
        List<DirRecord> srcEntries = entries(src);
        int si = find(srcEntries, bytes(fromName));
        srcEntries.set(si, new DirRecord(bytes(fromName), other.ino(), DirRecord.ftypeOfMode(other.di_mode())));
        DirRecord toMoving = new DirRecord(bytes(toName), moving.ino(), DirRecord.ftypeOfMode(moving.di_mode()));
        if (src == dst) {
            srcEntries.set(find(srcEntries, bytes(toName)), toMoving);
            rewriteDir(src, srcEntries, parentOf(src));
        } else {
            List<DirRecord> dstEntries = entries(dst);
            dstEntries.set(find(dstEntries, bytes(toName)), toMoving);
            if (moving.isDir() != other.isDir()) {
                XfsInode gains = moving.isDir() ? dst : src;
                XfsInode loses = moving.isDir() ? src : dst;
                fs.changeInode(gains, d -> d.di_nlink(d.di_nlink() + 1));
                fs.changeInode(loses, d -> d.di_nlink(d.di_nlink() - 1));
            }
            rewriteDir(src, srcEntries, parentOf(src));
            rewriteDir(dst, dstEntries, parentOf(dst));
            if (moving.isDir()) {
                rewriteDir(moving, entries(moving), dst.ino());
            }
            if (other.isDir()) {
                rewriteDir(other, entries(other), src.ino());
            }
        }
        Instant now = CoarseClock.now(1);
        fs.changeInode(moving, m -> m.ctime(now));
        fs.changeInode(other, m -> m.ctime(now));
    }

    void rename(XfsInode src, String fromName, XfsInode moving, XfsInode dst, String toName, XfsInode victim)
            throws FsException {
        byte[] fn = bytes(fromName);
        byte[] tn = bytes(toName);
        if (victim != null && victim.isDir() && !entries(victim).isEmpty()) {
            throw FsException.of(Errno.ENOTEMPTY, "xfs: rename onto %s: directory not empty", toName);
        }
        if (editor.edits(src) || editor.edits(dst) || blockDirs.edits(src) || blockDirs.edits(dst)) {
            renameByName(src, fn, moving, dst, tn, victim);
            return;
        }
        List<DirRecord> srcEntries = entries(src);
        int si = find(srcEntries, fn);
        if (si < 0) {
            throw Corrupt.of("directory %d lost \"%s\" under its lock", src.ino(), fromName);
        }
        boolean movesDir = src != dst && moving.isDir();
        long blocks = XfsReservations.dirRemove(disk) + XfsReservations.dirEnter(disk) * (movesDir ? 2 : 1);
        DirRecord rec = new DirRecord(tn, moving.ino(), DirRecord.ftypeOfMode(moving.di_mode()));
        if (src == dst) {
            srcEntries.remove(si);
            int again = find(srcEntries, tn);
            if (again >= 0) {
                srcEntries.set(again, rec);
            } else {
                srcEntries.add(rec);
            }
            reserveDirChange(blocks, dirs.checkFits(src, fs.extents(src), srcEntries, parentOf(src)));
            if (victim != null && victim.isDir()) {
                fs.changeInode(src, d -> d.di_nlink(d.di_nlink() - 1));
            }
            rewriteDir(src, srcEntries, parentOf(src));
        } else {
            List<DirRecord> dstEntries = entries(dst);
            int di = find(dstEntries, tn);
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
                fs.changeInode(src, d -> d.di_nlink(d.di_nlink() - 1));
                if (victim == null) {
                    fs.changeInode(dst, d -> d.di_nlink(d.di_nlink() + 1));
                }
                rewriteDir(moving, entries(moving), dst.ino());
            }
            rewriteDir(src, srcEntries, parentOf(src));
            rewriteDir(dst, dstEntries, parentOf(dst));
        }
        fs.changeInode(moving, m -> m.ctime(CoarseClock.now(1)));
        if (victim != null) {
            dropLink(victim, victim.isDir());
        }
    }

    /**
     * A rename where a directory involved is edited in place (a node or block directory): one
     * name at a time, the new name first (added, or the victim's entry pointed at the moving inode)
     * and the old one removed after it, so a failure part-way never loses the name; a moved
     * directory's ".." follows. Other directories in it are rewritten as a whole rename does.
     */
    private void renameByName(XfsInode src, byte[] fn, XfsInode moving, XfsInode dst, byte[] tn, XfsInode victim)
            throws FsException {
        boolean movesDir = src != dst && moving.isDir();
        long blocks = XfsReservations.dirRemove(disk) + XfsReservations.dirEnter(disk) * (movesDir ? 2 : 1);
        // Pointing the victim's entry elsewhere needs no block; a new name may. Planned once, as create does.
        DirEditor.Plan plan = victim == null ? editor.plan(dst, fs.extents(dst), tn) : null;
        boolean inPlace = victim != null || checkFits(dst, tn, moving.ino(), moving.di_mode(), plan);
        if (movesDir && !editor.edits(moving) && !blockDirs.edits(moving)) {
            inPlace &= dirs.checkFits(moving, fs.extents(moving), entries(moving), dst.ino());
        }
        reserveDirChange(blocks, inPlace);
        DirRecord rec = new DirRecord(tn, moving.ino(), DirRecord.ftypeOfMode(moving.di_mode()));
        if (victim != null) {
            replaceEntry(dst, tn, rec);
        } else {
            addEntry(dst, tn, moving, plan);
        }
        remove(src, new String(fn, StandardCharsets.UTF_8));
        if (src == dst) {
            if (victim != null && victim.isDir()) {
                fs.changeInode(src, d -> d.di_nlink(d.di_nlink() - 1));
            }
        } else if (moving.isDir()) {
            fs.changeInode(src, d -> d.di_nlink(d.di_nlink() - 1));
            if (victim == null) {
                fs.changeInode(dst, d -> d.di_nlink(d.di_nlink() + 1));
            }
            byte[] dotdot = {'.', '.'};
            if (!editor.replace(moving, dotdot, dst.ino(), DirRecord.FT_DIR)
                    && !blockDirs.replace(moving, dotdot, dst.ino(), DirRecord.FT_DIR)) {
                rewriteDir(moving, entries(moving), dst.ino());
            }
        }
        fs.changeInode(moving, m -> m.ctime(CoarseClock.now(1)));
        if (victim != null) {
            dropLink(victim, victim.isDir());
        }
    }

    private void replaceEntry(XfsInode dir, byte[] name, DirRecord rec) throws FsException {
        if (editor.replace(dir, name, rec.ino(), rec.ftype()) || blockDirs.replace(dir, name, rec.ino(), rec.ftype())) {
            return;
        }
        List<DirRecord> entries = entries(dir);
        int i = find(entries, name);
        if (i < 0) {
            throw Corrupt.of("directory %d lost \"%s\" under its lock", dir.ino(), new String(name, StandardCharsets.UTF_8));
        }
        entries.set(i, rec);
        rewriteDir(dir, entries, parentOf(dir));
    }

    void setattr(XfsInode in, SetAttr a) throws FsException {
        Instant now = CoarseClock.now(1);
        fs.changeInode(in, i -> {
            if (a.mode() != null) {
                i.di_mode((i.di_mode() & 0170000) | (a.mode() & 07777));
            }
            if (a.uid() != null) {
                i.di_uid(a.uid());
            }
            if (a.gid() != null) {
                i.di_gid(a.gid());
            }
            if (a.atime() != null) {
                i.atime(a.atime());
            }
            if (a.mtime() != null) {
                i.mtime(a.mtime());
            }
            i.ctime(now);
        });
        if (in.space != null) {
            in.space.timesSet(a.atime(), a.mtime(), now);
        }
    }

    /** Stores the in-core superblock's counters (lazy-count: written at unmount, as xfs_log_sbcount does). */
    void writeSuperblockCounters() throws FsException {
        XfsSuperblock sb = disk.sb();
        byte[] sector = sb.sealed();
        disk.writeBytes(0, sector, sb.sb_sectsize(), -1);
    }

    /** Truncates a regular file's mapping to {@code newSize}: blocks wholly beyond it are freed. Caller holds the ILOCK. */
    void freeBeyond(XfsInode in, long newSize) throws FsException {
        long firstFree = (newSize + disk.blockSize() - 1) >>> disk.blockLog();
        List<BmapExtent> ext = new ArrayList<>(fs.extents(in));
        List<long[]> freed = ExtentList.remove(ext, firstFree, BmapExtent.MAX_STARTOFF - firstFree);
        disk.log().handle().freeLater(freed);
        forks.persist(in, ext);
        fs.cacheExtents(in, ext);
    }
}
