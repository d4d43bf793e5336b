package dev.jdax.fs.ext2;

import dev.jdax.api.Inode;
import dev.jdax.api.fs.FileType;
import dev.jdax.iomap.AddressSpace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;

/**
 * An in-core ext2 inode: its on-disk bytes ({@code struct ext2_inode}, {@code s_inode_size} long) with
 * accessors named after the fields, and the engine's address space once the file is opened.
 */
final class Ext2Inode implements Inode {
    static final int N_BLOCKS = 15;
    static final int NDIR_BLOCKS = 12;

    final long ino;
    final ByteBuffer b;
    AddressSpace space;
    int openCount;

    Ext2Inode(long ino, byte[] raw) {
        this.ino = ino;
        this.b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long ino() {
        return ino;
    }

    @Override
    public long size() {
        return i_size();
    }

    int i_mode() { return b.getShort(0) & 0xffff; }
    int i_uid() { return (b.getShort(2) & 0xffff) | (b.getShort(120) & 0xffff) << 16; }
    long i_size() { return (b.getInt(4) & 0xffffffffL) | (long) b.getInt(108) << 32; }
    long i_atime() { return b.getInt(8) & 0xffffffffL; }
    long i_ctime() { return b.getInt(12) & 0xffffffffL; }
    long i_mtime() { return b.getInt(16) & 0xffffffffL; }
    long i_dtime() { return b.getInt(20) & 0xffffffffL; }
    int i_gid() { return (b.getShort(24) & 0xffff) | (b.getShort(122) & 0xffff) << 16; }
    int i_links_count() { return b.getShort(26) & 0xffff; }
    long i_blocks() { return b.getInt(28) & 0xffffffffL; }
    int i_flags() { return b.getInt(32); }
    long i_block(int i) { return b.getInt(40 + 4 * i) & 0xffffffffL; }
    long i_file_acl() { return b.getInt(104) & 0xffffffffL; }

    void i_mode(int v) { b.putShort(0, (short) v); }
    void i_uid(int v) { b.putShort(2, (short) v); b.putShort(120, (short) (v >>> 16)); }
    void i_size(long v) { b.putInt(4, (int) v); b.putInt(108, (int) (v >>> 32)); }
    void i_atime(long v) { b.putInt(8, (int) v); }
    void i_ctime(long v) { b.putInt(12, (int) v); }
    void i_mtime(long v) { b.putInt(16, (int) v); }
    void i_dtime(long v) { b.putInt(20, (int) v); }
    void i_gid(int v) { b.putShort(24, (short) v); b.putShort(122, (short) (v >>> 16)); }
    void i_links_count(int v) { b.putShort(26, (short) v); }
    void i_blocks(long v) { b.putInt(28, (int) v); }
    void i_block(int i, long v) { b.putInt(40 + 4 * i, (int) v); }

    FileType type() {
        return FileType.ofMode(i_mode());
    }

    boolean isDir() {
        return type() == FileType.DIRECTORY;
    }

    /** A symlink whose target lives in i_block itself (ext2_inode_is_fast_symlink: no block but an xattr one). */
    boolean isFastSymlink(int blockSize) {
        long eaBlocks = i_file_acl() != 0 ? blockSize >> 9 : 0;
        return type() == FileType.SYMLINK && i_blocks() - eaBlocks == 0;
    }

    void touch(boolean mtime, boolean ctime) {
        long now = Instant.now().getEpochSecond();
        if (mtime) {
            i_mtime(now);
        }
        if (ctime) {
            i_ctime(now);
        }
    }
}
