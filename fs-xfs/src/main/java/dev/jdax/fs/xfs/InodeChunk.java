package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/** Fresh inode chunks and freed inodes, written as xfs_ialloc_inode_init and xfs_ifree leave them. */
final class InodeChunk {
    private InodeChunk() {
    }

    /** Writes {@code blocks} blocks of free v3 inodes at {@code agbno}. */
    static void initialize(XfsDisk disk, long agno, long agbno, long blocks) throws FsException {
        int isize = disk.sb().sb_inodesize();
        int perBlock = disk.sb().sb_inopblock();
        byte[] b = new byte[disk.blockSize()];
        for (long blk = 0; blk < blocks; blk++) {
            for (int i = 0; i < perBlock; i++) {
                long ino = disk.ino(agno, ((agbno + blk) << disk.inopblog()) + i);
                byte[] raw = freeInode(ino, isize, disk.sb().metaUuid(), 0);
                System.arraycopy(raw, 0, b, i * isize, isize);
            }
            disk.writeBytes(disk.agbToByte(agno, agbno + blk), b, b.length);
        }
    }

    /** A free (mode 0) v3 inode image with generation {@code gen}. */
    static byte[] freeInode(long ino, int isize, UUID uuid, long gen) {
        byte[] raw = new byte[isize];
        put16(raw, 0, XfsInode.XFS_DINODE_MAGIC);
        put8(raw, 4, 3);
        put32(raw, 92, gen);
        put32(raw, 96, XfsAgi.NULLAGINO);
        put64(raw, 152, ino);
        put64(raw, 160, uuid.getMostSignificantBits());
        put64(raw, 168, uuid.getLeastSignificantBits());
        XfsCrc.update(raw, 0, isize, XfsInode.DI_CRC_OFF);
        return raw;
    }
}
