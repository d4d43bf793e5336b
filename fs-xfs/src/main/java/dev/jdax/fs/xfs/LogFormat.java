package dev.jdax.fs.xfs;

import static dev.jdax.fs.xfs.Buf.*;

/**
 * The on-disk format of the XFS log (fs/xfs/libxfs/xfs_log_format.h): record headers, operation
 * headers, the transaction header and the log item formats. Record and operation headers are
 * big-endian; the transaction header and the item formats are in the writer's CPU order, which
 * for jdax, as for Linux on x86, is little-endian (h_fmt XLOG_FMT_LINUX_LE).
 */
final class LogFormat {
    private LogFormat() {
    }

    static final long XLOG_HEADER_MAGIC_NUM = 0xFEEDBABEL;
    static final int BBSIZE = 512;
    static final int BBSHIFT = 9;
    static final int XLOG_VERSION_2 = 2;
    static final int XLOG_FMT_LINUX_LE = 1;
    /** Cycle data of one header sector: 32 KiB of record data. */
    static final int XLOG_HEADER_CYCLE_SIZE = 32 * 1024;
    static final int XLOG_MAX_RECORD_BSIZE = 256 * 1024;
    /** XLOG_MAX_ICLOGS: how many records may be in flight at a crash (the head's torn-write window). */
    static final int XLOG_MAX_ICLOGS = 8;
    /** The iclog size jdax writes (the default logbsize of a v2 log), its header sector included. */
    static final int ICLOG_SIZE = 32 * 1024;
    /** Record data of one jdax iclog: the iclog less its header sector. */
    static final int ICLOG_DATA = ICLOG_SIZE - BBSIZE;

    // struct xlog_rec_header
    static final int H_MAGICNO = 0;
    static final int H_CYCLE = 4;
    static final int H_VERSION = 8;
    static final int H_LEN = 12;
    static final int H_LSN = 16;
    static final int H_TAIL_LSN = 24;
    static final int H_CRC = 32;
    static final int H_PREV_BLOCK = 36;
    static final int H_NUM_LOGOPS = 40;
    static final int H_CYCLE_DATA = 44;
    static final int H_FMT = 300;
    static final int H_FS_UUID = 304;
    static final int H_SIZE = 320;
    /** The header bytes the record CRC covers (sizeof(struct xlog_rec_header) on 64-bit Linux). */
    static final int XLOG_REC_SIZE = 328;
    /** The extended header bytes the CRC covers: xh_cycle and its cycle data. */
    static final int XLOG_REC_EXT_SIZE = 260;

    // struct xlog_op_header
    static final int OP_HEADER = 12;
    static final int XLOG_START_TRANS = 0x01;
    static final int XLOG_COMMIT_TRANS = 0x02;
    static final int XLOG_CONTINUE_TRANS = 0x04;
    static final int XLOG_WAS_CONT_TRANS = 0x08;
    static final int XLOG_END_TRANS = 0x10;
    static final int XLOG_UNMOUNT_TRANS = 0x20;
    static final int XFS_TRANSACTION = 0x69;
    static final int XFS_LOG = 0xaa;
    static final int XLOG_UNMOUNT_TYPE = 0x556e;

    // struct xfs_trans_header
    static final int TRANS_HEADER = 16;
    static final long XFS_TRANS_HEADER_MAGIC = 0x5452414eL;
    static final int XFS_TRANS_CHECKPOINT = 40;

    // log item types
    static final int XFS_LI_EFI = 0x1236;
    static final int XFS_LI_EFD = 0x1237;
    static final int XFS_LI_INODE = 0x123b;
    static final int XFS_LI_BUF = 0x123c;
    static final int XFS_LI_ICREATE = 0x123f;

    // struct xfs_buf_log_format
    static final int XFS_BLF_CHUNK = 128;
    static final int XFS_BLF_INODE_BUF = 1;
    static final int XFS_BLF_CANCEL = 1 << 1;
    static final int XFS_BLF_DQUOT_BUFS = (1 << 2) | (1 << 3) | (1 << 4);
    static final int XFS_BLFT_SHIFT = 11;
    /** offsetof(struct xfs_buf_log_format, blf_data_map). */
    static final int BLF_MAP = 20;

    // struct xfs_inode_log_format
    static final int ILF_SIZE = 56;
    static final int ILF_SIZE_32 = 52;
    static final int XFS_ILOG_CORE = 0x001;
    static final int XFS_ILOG_DDATA = 0x002;
    static final int XFS_ILOG_DEXT = 0x004;
    static final int XFS_ILOG_DBROOT = 0x008;
    static final int XFS_ILOG_DEV = 0x010;
    static final int XFS_ILOG_ADATA = 0x040;
    static final int XFS_ILOG_AEXT = 0x080;
    static final int XFS_ILOG_ABROOT = 0x100;
    static final int XFS_ILOG_DOWNER = 0x200;
    static final int XFS_ILOG_AOWNER = 0x400;
    static final int XFS_ILOG_DFORK = XFS_ILOG_DDATA | XFS_ILOG_DEXT | XFS_ILOG_DBROOT;
    static final int XFS_ILOG_AFORK = XFS_ILOG_ADATA | XFS_ILOG_AEXT | XFS_ILOG_ABROOT;
    /** sizeof(struct xfs_log_dinode) for v3 inodes. */
    static final int LOG_DINODE_SIZE = 176;

    /** struct xfs_icreate_log. */
    static final int ICREATE_SIZE = 28;
    /** struct xfs_efi_log_format and xfs_efd_log_format before their extents. */
    static final int EF_HDR = 16;

    static long lsn(long cycle, long block) {
        return (cycle << 32) | (block & 0xffffffffL);
    }

    static long cycleOf(long lsn) {
        return lsn >>> 32;
    }

    static int blockOf(long lsn) {
        return (int) lsn;
    }

    /** xlog_calc_iovec_len: every region is a whole number of 32-bit words. */
    static int iovecLen(int len) {
        return (len + 3) & ~3;
    }

    /** An xlog_op_header at {@code off}. */
    static void opHeader(byte[] b, int off, long tid, int len, int client, int flags) {
        put32(b, off, tid);
        put32(b, off + 4, len);
        put8(b, off + 8, client);
        put8(b, off + 9, flags);
        put16(b, off + 10, 0);
    }

    /** The xfs_trans_header a checkpoint starts with. */
    static byte[] transHeader(long tid, int items) {
        byte[] b = new byte[TRANS_HEADER];
        putLe32(b, 0, XFS_TRANS_HEADER_MAGIC);
        putLe32(b, 4, XFS_TRANS_CHECKPOINT);
        putLe32(b, 8, tid);
        putLe32(b, 12, items);
        return b;
    }

    /** A buffer log format with its dirty map ({@code map} words, {@code regions} regions after it). */
    static byte[] bufFormat(int flags, long daddr, int lenBBs, int[] map, int regions) {
        byte[] b = new byte[BLF_MAP + 4 * map.length];
        putLe16(b, 0, XFS_LI_BUF);
        putLe16(b, 2, 1 + regions);
        putLe16(b, 4, flags);
        putLe16(b, 6, lenBBs);
        putLe64(b, 8, daddr);
        putLe32(b, 16, map.length);
        for (int i = 0; i < map.length; i++) {
            putLe32(b, BLF_MAP + 4 * i, map[i] & 0xffffffffL);
        }
        return b;
    }

    /** blf_map_size of a buffer of {@code bytes}: one bit per 128-byte chunk, 32 bits a word. */
    static int mapWords(int bytes) {
        return (bytes + XFS_BLF_CHUNK * 32 - 1) / (XFS_BLF_CHUNK * 32);
    }

    /** An xfs_inode_log_format. */
    static byte[] inodeFormat(int regions, int fields, int asize, int dsize, long ino, long rdev, InodeClusters.Imap at) {
        byte[] b = new byte[ILF_SIZE];
        putLe16(b, 0, XFS_LI_INODE);
        putLe16(b, 2, regions);
        putLe32(b, 4, fields);
        putLe16(b, 8, asize);
        putLe16(b, 10, dsize);
        putLe64(b, 16, ino);
        putLe32(b, 24, rdev);
        putLe64(b, 40, at.daddr());
        putLe32(b, 48, at.lenBBs());
        putLe32(b, 52, at.boffset());
        return b;
    }

    /** An xfs_icreate_log: its type and size in CPU order, the rest big-endian. */
    static byte[] icreate(long agno, long agbno, int count, int isize, long length, long gen) {
        byte[] b = new byte[ICREATE_SIZE];
        putLe16(b, 0, XFS_LI_ICREATE);
        putLe16(b, 2, 1);
        put32(b, 4, agno);
        put32(b, 8, agbno);
        put32(b, 12, count);
        put32(b, 16, isize);
        put32(b, 20, length);
        put32(b, 24, gen);
        return b;
    }

    /** An EFI (or EFD) with 64-bit extent records: {start fsbno, length} pairs. */
    static byte[] extentFree(int type, long id, long[][] extents) {
        byte[] b = new byte[EF_HDR + 16 * extents.length];
        putLe16(b, 0, type);
        putLe16(b, 2, 1);
        putLe32(b, 4, extents.length);
        putLe64(b, 8, id);
        for (int i = 0; i < extents.length; i++) {
            putLe64(b, EF_HDR + 16 * i, extents[i][0]);
            putLe32(b, EF_HDR + 16 * i + 8, extents[i][1]);
        }
        return b;
    }

    /** The payload of an unmount record: struct xfs_unmount_log_format. */
    static byte[] unmountFormat() {
        byte[] b = new byte[8];
        putLe16(b, 0, XLOG_UNMOUNT_TYPE);
        return b;
    }
}
