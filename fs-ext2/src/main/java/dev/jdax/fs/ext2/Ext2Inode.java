package dev.jdax.fs.ext2;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.DirStream;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.RwSem;
import dev.jdax.iomap.AddressSpace;
import dev.jdax.iomap.KeptTimes;
import dev.jdax.iomap.CoarseClock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.List;

/**
 * An in-core ext2 inode: its on-disk bytes ({@code struct ext2_inode}, {@code s_inode_size} long) with
 * accessors named after the fields, its locks, and for a regular file the engine's address space.
 * As a {@link Vnode} it hands the VFS's calls to the file system, which keeps the format.
 */
final class Ext2Inode implements Vnode, KeptTimes {
    static final int N_BLOCKS = 15;
    static final int NDIR_BLOCKS = 12;

    final long ino;
    final ByteBuffer b;
    final Ext2FileSystem fs;
    final RwSem rwsem;
    /** The block map's lock (ext2's {@code truncate_mutex}): lookups shared, allocation and truncate exclusive. */
    final RwSem dataSem;
    /** The engine's state, for a regular file. */
    AddressSpace space;
    /** A directory's in-core index ({@link DirIndex}), or null until it is first needed. */
    volatile DirIndex dirIndex;

    Ext2Inode(Ext2FileSystem fs, long ino, byte[] raw) {
        this.fs = fs;
        this.ino = ino;
        this.b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        // The lock checker names a lock by class and key (the inode number): no string per inode.
        this.rwsem = new RwSem(LockClass.I_RWSEM, ino, "ext2 i_rwsem");
        this.dataSem = new RwSem(LockClass.I_DATA_SEM, ino, "ext2 block map");
    }

    @Override
    public long ino() {
        return ino;
    }

    /** {@code i_size}: the engine's for a regular file (it owns it), the format's for the others. */
    @Override
    public long size() {
        return space != null ? space.size() : i_size();
    }

    @Override
    public RwSem rwsem() {
        return rwsem;
    }

    @Override
    public long nlink() {
        return i_links_count();
    }

    /** fs/ext2 takes FS_XFLAG_DAX on a directory and drops it, as on a file ({@link Ext2FileOps#setDaxFlag}). */
    @Override
    public void setDaxFlag(boolean dax) {
    }

    /** i_flags' immutable, append-only, sync, noatime and nodump bits (FS_*_FL values), as FS_XFLAG_* ones. */
    @Override
    public int inodeFlags() {
        return InodeFlags.xflags(i_flags());
    }

    @Override
    public void setInodeFlags(int xflags) throws FsException {
        fs.setInodeFlags(this, xflags);
    }

    /** ext2_fileattr_get: fileattr_fill_flags of i_flags, which counts no extents. */
    @Override
    public FsxAttr fsxattr() {
        return new FsxAttr(inodeFlags(), 0, 0, 0, 0, 0);
    }

    @Override
    public StatInfo stat() {
        return fs.statOf(this);
    }

    @Override
    public long lookup(String name) throws FsException {
        return fs.namespace().lookup(this, name);
    }

    @Override
    public List<DirEntry> readdir() throws FsException {
        return fs.namespace().readdir(this);
    }

    /** A directory's or symbolic link's access time, kept in the in-core bytes (lazytime). */
    synchronized void keepAtime(long seconds) {
        i_atime(seconds);
    }

    /** write_inode of a directory or symbolic link whose access time lazytime kept. */
    @Override
    public void writeDirtyTimes() throws FsException {
        if (fs.keepsTimes(this)) {
            fs.changeInode(this, i -> { });
        }
    }

    @Override
    public DirStream getdents() throws FsException {
        return fs.namespace().getdents(this);
    }

    @Override
    public Vnode create(String name, int mode, int uid, int gid) throws FsException {
        return fs.namespace().create(this, name, (mode & 07777) | FileType.REGULAR.modeBits(), uid, gid);
    }

    @Override
    public Vnode tmpfile(int mode, int uid, int gid) throws FsException {
        return fs.namespace().tmpfile(this, (mode & 07777) | FileType.REGULAR.modeBits(), uid, gid);
    }

    @Override
    public Vnode mkdir(String name, int mode, int uid, int gid) throws FsException {
        return fs.namespace().mkdir(this, name, mode, uid, gid);
    }

    @Override
    public Vnode symlink(String name, String target, int uid, int gid) throws FsException {
        return fs.namespace().symlink(this, name, target, uid, gid);
    }

    @Override
    public Vnode mknod(String name, int mode, long rdev, int uid, int gid) throws FsException {
        return fs.namespace().mknod(this, name, mode, rdev, uid, gid);
    }

    @Override
    public void link(String name, Vnode target) throws FsException {
        fs.namespace().link(this, name, (Ext2Inode) target);
    }

    @Override
    public void unlink(String name, Vnode victim) throws FsException {
        fs.namespace().unlink(this, name, (Ext2Inode) victim);
    }

    @Override
    public void rmdir(String name, Vnode victim) throws FsException {
        fs.namespace().rmdir(this, name, (Ext2Inode) victim);
    }

    @Override
    public void rename(String name, Vnode moving, Vnode newDir, String newName, Vnode victim, int flags)
            throws FsException {
        fs.namespace().rename(this, name, (Ext2Inode) moving, (Ext2Inode) newDir, newName, (Ext2Inode) victim);
    }

    @Override
    public String readlink() throws FsException {
        return fs.readlink(this);
    }

    @Override
    public void setattr(SetAttr attr) throws FsException {
        fs.setattr(this, attr);
    }

    @Override
    public void updateAtime(Instant atime) throws FsException {
        fs.updateAtime(this, atime);
    }

    @Override
    public OpenFile open(int flags) throws FsException {
        return fs.open(this, flags);
    }

    @Override
    public void fsync(boolean dataOnly) throws FsException {
        if (!dataOnly) {
            (space != null ? space : this).writeDirtyTimes(); // what lazytime kept, as vfs_fsync_range writes it
        }
        // Metadata is written in place as it changes; what is left is to order it (generic_file_fsync).
        fs.device().fence();
    }

    @Override
    public void evict() throws FsException {
        fs.evict(this);
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
    void i_flags(int v) { b.putInt(32, v); }
    void i_block(int i, long v) { b.putInt(40 + 4 * i, (int) v); }

    @Override
    public FileType type() {
        return FileType.ofMode(i_mode());
    }

    boolean isDir() {
        return type() == FileType.DIRECTORY;
    }

    /** A symlink whose target lives in i_block itself (ext2_inode_is_fast_symlink: no block but an xattr one). */
    /**
     * Whether i_block holds block pointers (ext2_truncate_blocks' rule): a regular file's, a
     * directory's or a slow symbolic link's; a fast link's holds its text, a device's its number.
     */
    boolean holdsBlockMap(int blockSize) {
        return switch (type()) {
            case REGULAR, DIRECTORY -> true;
            case SYMLINK -> !isFastSymlink(blockSize);
            default -> false;
        };
    }

    boolean isFastSymlink(int blockSize) {
        long eaBlocks = i_file_acl() != 0 ? blockSize >> 9 : 0;
        return type() == FileType.SYMLINK && i_blocks() - eaBlocks == 0;
    }

    void touch(boolean mtime, boolean ctime) {
        long now = CoarseClock.seconds();
        if (mtime) {
            i_mtime(now);
        }
        if (ctime) {
            i_ctime(now);
        }
    }

    /** Keeps {@code built} as this directory's index unless another thread kept one first; returns the one kept. */
    synchronized DirIndex publishDirIndex(DirIndex built) {
        if (dirIndex == null) {
            dirIndex = built;
        }
        return dirIndex;
    }

    /** Forgets the directory's index: the next search builds it from the blocks again. */
    void dropDirIndex() {
        dirIndex = null;
    }
}
