package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * Symlink targets: inline in the data fork (local) or in remote blocks, each starting with a
 * struct xfs_dsymlink_hdr (XSLM, offset, bytes, crc, uuid, owner, blkno, lsn: 56 bytes).
 */
final class XfsSymlinks {
    static final long XFS_SYMLINK_MAGIC = 0x58534c4dL;
    static final int HDR_SIZE = 56;
    static final int CRC_OFF = 12;
    static final int MAXPATHLEN = 1024;

    private XfsSymlinks() {
    }

    static String read(XfsDisk disk, XfsInode in, List<BmapExtent> extents) throws FsException {
        String what = "symlink inode " + in.ino();
        long len = in.di_size();
        Corrupt.check(len > 0 && len < MAXPATHLEN, "%s: length %d", what, len);
        byte[] target = new byte[(int) len];
        if (in.di_format() == XfsInode.FMT_LOCAL) {
            System.arraycopy(in.dataFork(), 0, target, 0, target.length);
            return new String(target, StandardCharsets.UTF_8);
        }
        int done = 0;
        for (BmapExtent e : extents) {
            for (long i = 0; i < e.blockcount() && done < len; i++) {
                long fsb = e.startblock() + i;
                String bw = what + " remote block " + (e.startoff() + i);
                byte[] b = disk.readBlock(fsb, bw);
                Corrupt.check(be32(b, 0) == XFS_SYMLINK_MAGIC, "%s: magic 0x%x (want 0x%x)", bw, be32(b, 0),
                        XFS_SYMLINK_MAGIC);
                XfsCrc.verify(b, 0, b.length, CRC_OFF, bw);
                long off = be32(b, 4);
                long bytes = be32(b, 8);
                Corrupt.check(off == done && bytes > 0 && bytes <= b.length - HDR_SIZE && done + bytes <= len,
                        "%s: offset %d, bytes %d", bw, off, bytes);
                Corrupt.check(be64(b, 32) == in.ino(), "%s: owner %d", bw, be64(b, 32));
                System.arraycopy(b, HDR_SIZE, target, done, (int) bytes);
                done += (int) bytes;
            }
        }
        Corrupt.check(done == len, "%s: %d of %d bytes in the remote blocks", what, done, len);
        return new String(target, StandardCharsets.UTF_8);
    }

    /** The blocks a remote target of {@code bytes} bytes takes (xfs_symlink_blocks). */
    static long remoteBlocks(XfsDisk disk, int bytes) {
        int per = disk.blockSize() - HDR_SIZE;
        return (bytes + per - 1) / per;
    }

    /** Writes a target too long for the inode into remote blocks with their headers (xfs_symlink). */
    static List<BmapExtent> writeRemote(XfsDisk disk, XfsSpace space, XfsInode in, byte[] target) throws FsException {
        int per = disk.blockSize() - HDR_SIZE;
        int blocks = (target.length + per - 1) / per;
        List<BmapExtent> ext = new java.util.ArrayList<>();
        long near = disk.inoToFsb(in.ino());
        for (int i = 0; i < blocks; i++) {
            long fsb = space.allocBlocks(near, 1)[0];
            int off = i * per;
            int n = Math.min(per, target.length - off);
            byte[] b = new byte[disk.blockSize()];
            put32(b, 0, XFS_SYMLINK_MAGIC);
            put32(b, 4, off);
            put32(b, 8, n);
            java.util.UUID u = disk.sb().metaUuid();
            put64(b, 16, u.getMostSignificantBits());
            put64(b, 24, u.getLeastSignificantBits());
            put64(b, 32, in.ino());
            put64(b, 40, disk.fsbToDaddr(fsb));
            System.arraycopy(target, off, b, HDR_SIZE, n);
            disk.writeBytes(disk.fsbToByte(fsb), b, b.length, CRC_OFF);
            ExtentList.add(ext, new BmapExtent(i, fsb, 1, false));
            near = fsb + 1;
        }
        return ext;
    }
}
