package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;

import java.util.List;
import java.util.Optional;

/** The XFS personality: "xfs", at least 300 MiB (as mkfs.xfs 6.1 demands). */
public final class XfsFileSystemType implements FileSystemType {
    /** The smallest device mkfs accepts, in bytes: 300 MiB, as mkfs.xfs 6.1. */
    public static final long MINIMUM_SIZE = 300L << 20;
    static final List<String> KNOWN_OPTIONS = List.of("dax", "ro", "rw", "media_errors", "locking", "noalign", "swalloc");

    /** The personality; ServiceLoader makes it, users look it up as {@code FileSystemTypes.byName("xfs")}. */
    public XfsFileSystemType() {
    }

    @Override
    public String name() {
        return "xfs";
    }

    @Override
    public long minimumSize() {
        return MINIMUM_SIZE;
    }

    @Override
    public Optional<String> probe(DaxDevice device) throws FsException {
        byte[] sector = new byte[4096];
        if (device.size() < 4096) {
            return Optional.empty();
        }
        new XfsDiskReader(device).read(0, sector);
        if (Buf.be32(sector, 0) != XfsSuperblock.XFS_SB_MAGIC) {
            return Optional.empty();
        }
        XfsSuperblock sb = XfsSuperblock.decode(sector, device.size());
        String log;
        try {
            log = new XfsLog(new XfsDisk(device, sb)).describe();
        } catch (FsException e) {
            log = "log unreadable: " + e.getMessage();
        }
        return Optional.of(String.format("xfs, %d-byte blocks, %d blocks, %d AGs, features: %s, %s, %s", sb.sb_blocksize(),
                sb.sb_dblocks(), sb.sb_agcount(), String.join(" ", sb.featureNames()), log, sb.identity()));
    }

    @Override
    public void checkMkfs(MkfsOptions options) throws FsException {
        XfsMkfs.check(options);
    }

    @Override
    public void mkfs(DaxDevice device, MkfsOptions options) throws FsException {
        new XfsMkfs(device, options).make();
    }

    @Override
    public SuperBlock mount(DaxDevice device, MountOptions options) throws FsException {
        options.requireKnown("xfs", KNOWN_OPTIONS);
        // Linux takes a 512-byte sector write as atomic; on pmem it is not, and a crash while the
        // superblock goes home can tear its CRC from its counters. Its geometry is then still
        // whole and its good copy in the log: a superblock whose CRC alone is wrong is trusted to
        // find the log, and must come back whole from the replay, or the mount fails as it did.
        FsException torn = null;
        XfsSuperblock first;
        try {
            first = superblock(device, true);
        } catch (FsException e) {
            if (e.errno() != dev.jdax.api.Errno.EBADMSG) {
                throw e;
            }
            torn = e;
            first = superblock(device, false);
        }
        // Before the log is touched, as xfs_mount_validate_sb checks the features before recovery.
        int unknownRo = first.sb_features_ro_compat() & ~XfsSuperblock.RO_COMPAT_LINUX;
        if (unknownRo != 0 && !options.readOnly()) {
            throw FsException.of(Errno.EINVAL, "xfs: Superblock has unknown read-only compatible features (0x%x: %s) "
                    + "enabled; the file system can only be safely mounted read only", unknownRo,
                    String.join(", ", XfsSuperblock.roCompatNames(unknownRo)));
        }
        // What Linux keeps and jdax does not (the rmapbt): the mount is read-only, and says why.
        int notKept = first.sb_features_ro_compat() & XfsSuperblock.RO_COMPAT_LINUX & ~XfsSuperblock.RO_COMPAT_KNOWN;
        String readOnlyReason = notKept == 0 ? null : String.join(", ", XfsSuperblock.roCompatNames(notKept))
                + ": jdax reads it but does not keep it when it writes (Linux 6.1 mounts it read-write)";
        if (readOnlyReason != null && !options.readOnly()) {
            options = options.with("ro", null);
        }
        XfsDisk disk = new XfsDisk(device, first);
        XfsLog log = new XfsLog(disk);
        // xlog_recover: a dirty log is replayed by every mount, read-only ones too, as Linux does.
        XfsLog.Opened opened = log.open();
        if (torn != null && !opened.dirty()) {
            throw torn;
        }
        if (opened.dirty()) {
            // The replay may have changed the superblock; its lazy counters are summed from the AGs.
            disk = new XfsDisk(device, superblock(device, true));
            log = new XfsLog(disk);
            XfsLog.recount(disk);
        }
        boolean writable = (first.sb_features_ro_compat() & ~XfsSuperblock.RO_COMPAT_KNOWN) == 0;
        if (options.readOnly() && opened.dirty() && writable) {
            // Linux 6.1's read-only mount of a dirty log finishes recovery as a writable one does
            // (xfs_log_mount_finish: the intents left without their done items, the inodes on the
            // unlinked lists), or it would show half a remap, and then cleans the log
            // (xfs_log_clean) so that the next mount does not replay it again. jdax does both in a
            // writable mount of its own, unmounted cleanly, before the read-only one; on a file
            // system it cannot write (rmapbt, a feature it does not know) the replay is all it does.
            XfsFileSystem finishing = new XfsFileSystem(this, disk, options.with("rw", null), opened);
            finishing.enableWrites(log, true);
            finishing.close();
            disk = new XfsDisk(device, superblock(device, true));
        }
        XfsFileSystem fs = new XfsFileSystem(this, disk, options, opened);
        fs.readOnlyReason = readOnlyReason;
        if (!options.readOnly()) {
            fs.enableWrites(log, false);
        }
        XfsInode root = fs.readInode(disk.sb().sb_rootino());
        Corrupt.check(root.isDir(), "root inode %d is not a directory", disk.sb().sb_rootino());
        return fs;
    }

    private static XfsSuperblock superblock(DaxDevice device, boolean crc) throws FsException {
        byte[] sector = new byte[4096];
        new XfsDiskReader(device).read(0, sector);
        return XfsSuperblock.decode(sector, device.size(), crc);
    }

    /** Reads raw bytes before the geometry is known. */
    private record XfsDiskReader(DaxDevice device) {
        void read(long offset, byte[] dst) throws FsException {
            device.load(offset, java.lang.foreign.MemorySegment.ofArray(dst), 0, dst.length);
        }
    }
}
