package dev.jdax.fs.ext4;

import dev.jdax.api.FsException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The quota files of the quota feature (user and group; project with the project feature), kept
 * true on every change as Linux's journalled quota keeps them: each time an inode is written, what
 * it counts for (its blocks in bytes, one inode, for its uid, gid and project id) is compared with
 * what it counted for when last charged, and the difference goes to the quota files in the same
 * transaction. Counted, as e2fsck counts: the root directory and every inode from s_first_ino on,
 * but not the project quota file itself nor inodes holding extended attributes (EA_INODE_FL).
 */
final class Quotas {
    private static final int[] MAGIC = {0xd9c01f11, 0xd9c01927, 0xd9c03f14};
    private static final String[] TYPE = {"user", "group", "project"};
    private static final int EA_INODE_FL = 0x200000;
    private static final int QBLK = 1024;

    private final Ext4FileSystem fs;
    private final Disk disk;
    private final Ext4Superblock sb;
    private final long[] inums = new long[3];
    /** The quota files' inodes, in core for as long as the mount: no one else has them. */
    private final Ext4Inode[] inodes = new Ext4Inode[3];
    private final QuotaFile[] files = new QuotaFile[3];

    private Quotas(Ext4FileSystem fs, Disk disk) {
        this.fs = fs;
        this.disk = disk;
        this.sb = fs.superblock();
    }

    /** The quota files of a file system with the quota feature, their headers checked; null without it. */
    static Quotas of(Ext4FileSystem fs, Disk disk) throws FsException {
        Ext4Superblock sb = fs.superblock();
        if ((sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_QUOTA) == 0) {
            return null;
        }
        Quotas q = new Quotas(fs, disk);
        q.inums[0] = sb.s_usr_quota_inum();
        q.inums[1] = sb.s_grp_quota_inum();
        q.inums[2] = (sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_PROJECT) != 0 ? sb.s_prj_quota_inum() : 0;
        for (int t = 0; t < 3; t++) {
            if (q.inums[t] != 0) {
                long ino = q.inums[t];
                q.inodes[t] = fs.iget(ino);
                q.files[t] = new QuotaFile(TYPE[t], q.storage(q.inodes[t]));
                q.files[t].verify(MAGIC[t]);
            }
        }
        return q;
    }

    /** Whether {@code ino} is one of the quota files (which are never counted). */
    boolean isQuotaFile(long ino) {
        return ino == inums[0] || ino == inums[1] || ino == inums[2];
    }

    /** The usage of {@code id} in quota {@code type} (0 user, 1 group, 2 project): {bytes, inodes}. */
    long[] usage(int type, int id) throws FsException {
        return files[type] == null ? new long[2] : files[type].usage(id);
    }

    /** What an inode's bytes count for: {uid, gid, projid, bytes, inodes}, or null when nothing. */
    private long[] charge(long ino, byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        boolean inUse = (b.getShort(0) & 0xffff) != 0 && b.getInt(0x14) == 0;
        if (!inUse || (ino != Ext4FileSystem.ROOT_INO && ino < sb.s_first_ino()) || ino == inums[2]
                || (b.getInt(0x20) & EA_INODE_FL) != 0) {
            return null;
        }
        Ext4Inode view = new Ext4Inode(fs, ino, raw);
        return new long[] {view.i_uid() & 0xffffffffL, view.i_gid() & 0xffffffffL, view.i_projid(), view.i_blocks(sb.blockSize()) * 512, 1};
    }

    /**
     * Moves {@code in}'s charge from what it was last charged for to what its bytes say now. Called
     * with the inode's monitor held, in the transaction that writes it; one update at a time.
     */
    synchronized void update(Ext4Inode in) throws FsException {
        if (isQuotaFile(in.ino) || Arrays.equals(in.quotaBase, in.b.array())) {
            return;
        }
        long[] before = charge(in.ino, in.quotaBase);
        long[] now = charge(in.ino, in.b.array());
        in.quotaBase = in.b.array().clone();
        if (Arrays.equals(before, now)) {
            return;
        }
        for (int t = 0; t < 3; t++) {
            if (files[t] == null) {
                continue;
            }
            if (before != null && now != null && before[t] == now[t]) {
                files[t].add((int) now[t], now[3] - before[3], 0);
                continue;
            }
            if (before != null) {
                files[t].add((int) before[t], -before[3], -before[4]);
            }
            if (now != null) {
                files[t].add((int) now[t], now[3], now[4]);
            }
        }
    }

    /** A quota file's 1 KiB blocks inside its inode's blocks, the file grown by whole blocks as needed. */
    private QuotaFile.Storage storage(Ext4Inode q) {
        long ino = q.ino;
        return new QuotaFile.Storage() {
            @Override
            public ByteBuffer read(long qblk) throws FsException {
                long p = place(qblk, false);
                return ByteBuffer.wrap(p < 0 ? new byte[QBLK] : disk.readBytes(p, QBLK));
            }

            @Override
            public void write(long qblk, ByteBuffer b) throws FsException {
                disk.writeBytes(place(qblk, true), Arrays.copyOf(b.array(), QBLK));
            }

            /** The device byte offset of quota block {@code qblk}; -1 past the file unless {@code grow}. */
            private long place(long qblk, boolean grow) throws FsException {
                int bs = sb.blockSize();
                long lblk = qblk * QBLK / bs;
                long p = fs.mapBlock(q, lblk);
                if (p < 0 && grow) {
                    q.dataSem.lockExclusive();
                    try {
                        p = fs.allocate(q, lblk, 1, false).pblk();
                    } finally {
                        q.dataSem.unlockExclusive();
                    }
                    disk.write(p, ByteBuffer.allocate(bs), "quota file " + ino);
                }
                if (grow && (qblk + 1) * QBLK > q.i_size()) {
                    fs.changeInode(q, i -> i.i_size((qblk + 1) * QBLK));
                }
                return p < 0 ? -1 : p * bs + qblk * QBLK % bs;
            }
        };
    }
}
