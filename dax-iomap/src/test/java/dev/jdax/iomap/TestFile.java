package dev.jdax.iomap;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;
import dev.jdax.api.fs.Falloc;
import dev.jdax.api.fs.ForwardingOpenFile;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.RwSem;

import java.time.Instant;
import java.util.TreeMap;

/**
 * A file for the engine's tests: blocks of 4096 allocated from a counter on a memory device, kept in
 * a sorted map (file block → device block, unwritten or not); holes reported in full. Allocation can
 * be steered (2 MiB aligned, or limited to a number of free blocks for ENOSPC). The open file is the
 * engine's own {@link DaxFile}; this class forwards to it and exposes the format for assertions.
 */
final class TestFile implements ForwardingOpenFile {
    static final int BS = 4096;

    record Ext(long pblock, boolean unwritten) {
    }

    static final class Node implements Inode {
        long size;
        final TreeMap<Long, Ext> blocks = new TreeMap<>();
        final RwSem rwsem = new RwSem(LockClass.I_RWSEM, 12, "i_rwsem of the test file");
        long nextFree;
        long freeBlocks = Long.MAX_VALUE;
        int commits;
        /** The access times the engine asked to persist, in order. */
        final java.util.List<Instant> atimesWritten = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public long ino() {
            return 12;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public RwSem rwsem() {
            return rwsem;
        }
    }

    static class Ops implements DaxInodeOps {
        final Node node;
        final DaxDevice device;
        boolean dax = true;

        Ops(Node node, DaxDevice device) {
            this.node = node;
            this.device = device;
        }

        @Override
        public Iomap begin(Inode inode, long pos, long length, int flags) throws FsException {
            long b = pos / BS;
            long last = (pos + length - 1) / BS;
            boolean write = (flags & IomapOps.WRITE) != 0;
            Ext e = node.blocks.get(b);
            if (e == null && write) {
                if (node.freeBlocks <= 0) {
                    throw FsException.of(Errno.ENOSPC, "test: no free blocks");
                }
                long n = Math.min(last - b + 1, node.freeBlocks);
                Long next = node.blocks.ceilingKey(b);
                if (next != null) {
                    n = Math.min(n, next - b);
                }
                for (long i = 0; i < n; i++) {
                    node.blocks.put(b + i, new Ext(node.nextFree + i, false));
                }
                long start = node.nextFree;
                node.nextFree += n;
                node.freeBlocks -= n;
                return new Iomap(b * BS, n * BS, IomapType.MAPPED, start * BS, Iomap.F_NEW | Iomap.F_DIRTY, device);
            }
            if (e == null) {
                Long next = node.blocks.ceilingKey(b);
                long end = next == null ? last + 1 : Math.min(next, last + 1);
                return Iomap.hole(b * BS, (end - b) * BS, device);
            }
            if (e.unwritten() && write) {
                node.blocks.put(b, new Ext(e.pblock(), false));
                return new Iomap(b * BS, BS, IomapType.MAPPED, e.pblock() * BS, Iomap.F_NEW, device);
            }
            long n = 1;
            while (b + n <= last) {
                Ext x = node.blocks.get(b + n);
                if (x == null || x.pblock() != e.pblock() + n || x.unwritten() != e.unwritten()) {
                    break;
                }
                n++;
            }
            return new Iomap(b * BS, n * BS, e.unwritten() ? IomapType.UNWRITTEN : IomapType.MAPPED, e.pblock() * BS, 0, device);
        }

        @Override
        public long maxFileSize() {
            return 1L << 40;
        }

        @Override
        public int blockSize() {
            return BS;
        }

        @Override
        public boolean isDax() {
            return dax;
        }

        @Override
        public void inodeChanged(long size, Instant mtime, Instant ctime) {
            node.size = size;
        }

        @Override
        public void atimeChanged(Instant atime) {
            node.atimesWritten.add(atime);
        }

        @Override
        public void writeInode() {
        }

        @Override
        public void truncateBlocks(long newSize, Instant now) {
            node.size = newSize;
            node.blocks.tailMap((newSize + BS - 1) / BS, true).clear();
        }

        @Override
        public long fallocate(int mode, long offset, long length, long size) throws FsException {
            if (mode != 0 && mode != Falloc.KEEP_SIZE) {
                throw FsException.of(Errno.EOPNOTSUPP, "test: mode %d", mode);
            }
            for (long b = offset / BS; b <= (offset + length - 1) / BS; b++) {
                if (!node.blocks.containsKey(b)) {
                    node.blocks.put(b, new Ext(node.nextFree++, true));
                }
            }
            if (mode == 0 && offset + length > size) {
                node.size = offset + length;
            }
            return node.size;
        }

        @Override
        public void commit(boolean dataOnly) {
            node.commits++;
        }

        @Override
        public StatInfo stat() {
            return new StatInfo(12, 0100644, 1, 0, 0, 0, node.size, node.blocks.size() * 8L, BS, null, null, null, null,
                    StatInfo.STATX_ATTR_DAX);
        }

        @Override
        public FsxAttr fsxattr() {
            return new FsxAttr(dax ? FsxAttr.FS_XFLAG_DAX : 0, 0, 0, node.blocks.size(), 0, 0);
        }
    }

    final Node node;
    final AddressSpace space;
    final Ops ops;
    private final OpenFile file;

    TestFile(Node node, Ops ops, DaxMount mount) {
        this.node = node;
        this.ops = ops;
        this.space = mount.newAddressSpace(node, ops, node.size, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH);
        this.file = space.open(OpenFlags.O_RDWR);
    }

    static TestFile open(DaxDevice device, String options) throws FsException {
        Node node = new Node();
        node.nextFree = 1;
        DaxMount mount = new DaxMount(device, MountOptions.parse(options), LockingModel.INODE_RWSEM);
        return new TestFile(node, new Ops(node, device), mount);
    }

    @Override
    public OpenFile delegate() {
        return file;
    }
}
