package dev.jdax.vfs;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.ForwardingOpenFile;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.SuperBlock;

import java.lang.foreign.MemorySegment;

/**
 * An open file as the VFS hands it out ({@code struct file}): the personality's open file, and a
 * reference on its inode from open to close. Every mapping made from it takes a reference of its
 * own, dropped when the mapping is unmapped, as {@code vma->vm_file} holds the file in Linux — so an
 * unlinked file keeps its blocks while anything still maps it.
 */
final class VfsFile implements ForwardingOpenFile {
    private final VfsMount mount;
    private final VfsInode inode;
    private final OpenFile file;
    private boolean closed;

    VfsFile(VfsMount mount, VfsInode inode, OpenFile file) {
        this.mount = mount;
        this.inode = inode;
        this.file = file;
    }

    @Override
    public OpenFile delegate() {
        return file;
    }

    /** The mounted format the file is on ({@code file_inode(file)->i_sb}). */
    SuperBlock superBlock() {
        return mount.superBlock();
    }

    // The data path forwards from call sites of its own: through the interface's default methods
    // every forwarding layer shared one call site, whose profile then saw each layer below
    // (ext4's writer file, the engine's file) and left the chain uninlined as recursive.

    @Override
    public long read(long pos, MemorySegment dst, long offset, long length) throws FsException {
        return file.read(pos, dst, offset, length);
    }

    @Override
    public long write(long pos, MemorySegment src, long offset, long length, int rwFlags) throws FsException {
        return file.write(pos, src, offset, length, rwFlags);
    }

    @Override
    public int flags() {
        return file.flags();
    }

    @Override
    public void truncate(long size) throws FsException {
        mount.requireWritable("truncate");
        file.truncate(size);
    }

    @Override
    public void fallocate(int mode, long offset, long length) throws FsException {
        mount.requireWritable("fallocate");
        file.fallocate(mode, offset, length);
    }

    /**
     * vfs_fileattr_set ({@link FileattrSet}) under the inode's i_rwsem: the flags through the inode,
     * the DAX flag and the hint through the engine's file, which takes its own locks below that one.
     */
    @Override
    public void setFsxattr(FsxAttr attr) throws FsException {
        mount.fileattrSet(inode, v -> FileattrSet.apply("inode " + inode.ino, v, file, attr));
    }

    @Override
    public void setDaxFlag(boolean dax) throws FsException {
        mount.requireWritable("FS_IOC_FSSETXATTR");
        file.setDaxFlag(dax);
    }

    /** The flags are the inode's, not the open file's: the VFS reads them for every later open. */
    @Override
    public void setInodeFlags(int xflags) throws FsException {
        mount.fileattrSet(inode, v -> v.setInodeFlags(xflags));
    }

    @Override
    public void setExtsize(long bytes) throws FsException {
        mount.requireWritable("FS_IOC_FSSETXATTR");
        file.setExtsize(bytes);
    }

    @Override
    public FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
        if ((prot & FileMapping.PROT_WRITE) != 0 && (flags & FileMapping.MAP_TYPE) != FileMapping.MAP_PRIVATE) {
            mount.requireWritable("a shared writable mapping");
        }
        FileMapping m = file.mmap(offset, length, prot, flags);
        mount.mapped(inode, m);
        return m;
    }

    @Override
    public void close() throws FsException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            file.close();
        } finally {
            mount.closed(this, inode);
        }
    }
}
