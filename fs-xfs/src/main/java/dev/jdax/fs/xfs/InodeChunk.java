package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.UUID;

import static dev.jdax.fs.xfs.Buf.*;

/** Fresh inode chunks and freed inodes, written as xfs_ialloc_inode_init and xfs_ifree leave them. */
final class InodeChunk {
    private InodeChunk() {
    }

    /** Generation of the inodes of a new chunk (icl_gen). */
    static final long NEW_CHUNK_GEN = 0;

    /**
     * A new chunk of {@code blocks} blocks of free v3 inodes at {@code agbno} (xfs_ialloc_inode_init):
     * logged as an inode create, its inodes free in the metadata cache until written home.
     */
    static void initialize(XfsDisk disk, long agno, long agbno, long blocks) throws FsException {
        disk.icreate(agno, agbno, blocks, NEW_CHUNK_GEN);
    }

    /** One block of free inodes with generation {@code gen}, as an inode create writes it. */
    static byte[] freeBlock(XfsDisk disk, long agno, long agbno, long gen) {
        int isize = disk.sb().sb_inodesize();
        byte[] b = new byte[disk.blockSize()];
        for (int i = 0; i < disk.sb().sb_inopblock(); i++) {
            long ino = disk.ino(agno, (agbno << disk.inopblog()) + i);
            System.arraycopy(freeInode(ino, isize, disk.sb().metaUuid(), gen), 0, b, i * isize, isize);
        }
        return b;
    }

    /** A free (mode 0) v3 inode image with generation {@code gen}. */
    static byte[] freeInode(long ino, int isize, UUID uuid, long gen) {
        byte[] raw = new byte[isize];
        makeFree(raw, ino, uuid, gen);
        return raw;
    }

    /**
     * Rewrites {@code raw} in place as the free inode {@link #freeInode} makes, as xfs_ifree
     * clears the in-core inode it frees rather than making another.
     */
    static void makeFree(byte[] raw, long ino, UUID uuid, long gen) {
        java.util.Arrays.fill(raw, (byte) 0);
        put16(raw, 0, XfsInode.XFS_DINODE_MAGIC);
        put8(raw, 4, 3);
        put32(raw, 92, gen);
        put32(raw, 96, XfsAgi.NULLAGINO);
        put64(raw, 152, ino);
        put64(raw, 160, uuid.getMostSignificantBits());
        put64(raw, 168, uuid.getLeastSignificantBits());
        XfsCrc.update(raw, 0, raw.length, XfsInode.DI_CRC_OFF);
    }
}
