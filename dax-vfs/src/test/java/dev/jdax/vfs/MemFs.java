package dev.jdax.vfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeBirths;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountCounters;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatFs;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.RwSem;

import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A personality for the VFS's own tests: inodes in memory, no device. It counts what the VFS asks
 * of it (lookups that reach it, reads of inodes, evictions) and can stop an operation inside
 * itself ({@link #gate}) — holding the locks the VFS took for it — so that tests can show what
 * runs meanwhile and what waits.
 */
final class MemFs implements SuperBlock {
    /** Stops the next call of one kind of operation until released. */
    static final class Gate {
        final String op;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        Gate(String op) {
            this.op = op;
        }

        void await() throws InterruptedException {
            if (!entered.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException(op + " never reached its gate");
            }
        }
    }

    private final Map<Long, Node> inodes = new ConcurrentHashMap<>();
    private final AtomicInteger nextIno = new AtomicInteger(2);
    /** Mounted read-only from now on (a test flips it). */
    volatile boolean readOnly;
    final AtomicInteger lookups = new AtomicInteger();
    final AtomicInteger igets = new AtomicInteger();
    final AtomicInteger evicted = new AtomicInteger();
    final AtomicInteger freed = new AtomicInteger();
    private volatile Gate gate;
    /** A make of this name fails after it took its number (a test sets it). */
    volatile String failingName;
    /** A make of this name takes a number, gives it back and takes the next (a test sets it). */
    volatile String retryingName;
    private volatile InodeBirths births = InodeBirths.NONE;

    MemFs() {
        Node root = new Node(this, nextIno.getAndIncrement(), FileType.DIRECTORY);
        root.parent = root.ino;
        root.links = 2;
        inodes.put(root.ino, root);
    }

    /** The next call of {@code op} ("create", "unlink", "write"...) stops until the gate is released. */
    Gate gate(String op) {
        Gate g = new Gate(op);
        gate = g;
        return g;
    }

    void pass(String op) {
        Gate g = gate;
        if (g != null && g.op.equals(op)) {
            gate = null;
            g.entered.countDown();
            try {
                g.release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One inode: a directory's names, a file's bytes, a link's target. */
    static final class Node implements Vnode {
        final MemFs fs;
        final long ino;
        final FileType type;
        final RwSem rwsem;
        final TreeMap<String, Long> names = new TreeMap<>();
        volatile long parent;
        volatile long links = 1;
        byte[] data = new byte[0];
        String target;
        /** The access time; the other times stay at the epoch, so that relatime writes it once. */
        volatile Instant atime = Instant.EPOCH;
        /** How many access times the VFS had written. */
        final java.util.concurrent.atomic.AtomicInteger atimeUpdates = new java.util.concurrent.atomic.AtomicInteger();

        Node(MemFs fs, long ino, FileType type) {
            this.fs = fs;
            this.ino = ino;
            this.type = type;
            this.rwsem = new RwSem(LockClass.I_RWSEM, ino, "memfs inode " + ino);
        }

        @Override
        public long ino() {
            return ino;
        }

        @Override
        public long size() {
            return type == FileType.SYMLINK ? target.length() : data.length;
        }

        @Override
        public RwSem rwsem() {
            return rwsem;
        }

        @Override
        public FileType type() {
            return type;
        }

        @Override
        public long nlink() {
            return links;
        }

        @Override
        public StatInfo stat() {
            return new StatInfo(ino, type.modeBits() | 0644, links, 0, 0, 0, size(), 0, 4096, atime, Instant.EPOCH,
                    Instant.EPOCH, null, 0);
        }

        @Override
        public synchronized long lookup(String name) {
            fs.lookups.incrementAndGet();
            fs.pass("lookup");
            if (name.equals("..")) {
                return parent;
            }
            return names.getOrDefault(name, NO_INO);
        }

        @Override
        public synchronized List<DirEntry> readdir() {
            List<DirEntry> out = new ArrayList<>();
            names.forEach((n, i) -> out.add(new DirEntry(n, i, fs.inodes.get(i).type)));
            return out;
        }

        private Node make(String name, FileType t) throws FsException {
            fs.pass("create");
            if (name.equals(fs.retryingName)) {
                fs.births.claimed(fs.nextIno.getAndIncrement()); // taken, then given back: the make tries again
                fs.pass("retry");
            }
            Node n = new Node(fs, fs.nextIno.getAndIncrement(), t);
            fs.births.claimed(n.ino);
            fs.inodes.put(n.ino, n);
            fs.pass("made"); // the inode is readable by number, not yet handed to the VFS
            if (name.equals(fs.failingName)) {
                fs.inodes.remove(n.ino);
                throw FsException.of(Errno.ENOSPC, "memfs: no room for \"%s\"", name);
            }
            synchronized (this) {
                names.put(name, n.ino);
            }
            return n;
        }

        @Override
        public Vnode create(String name, int mode, int uid, int gid) throws FsException {
            return make(name, FileType.REGULAR);
        }

        @Override
        public Vnode mkdir(String name, int mode, int uid, int gid) throws FsException {
            Node n = make(name, FileType.DIRECTORY);
            n.parent = ino;
            n.links = 2;
            links++;
            return n;
        }

        @Override
        public Vnode symlink(String name, String target, int uid, int gid) throws FsException {
            Node n = make(name, FileType.SYMLINK);
            n.target = target;
            return n;
        }

        @Override
        public synchronized void link(String name, Vnode target) {
            names.put(name, target.ino());
            ((Node) target).links++;
        }

        @Override
        public void unlink(String name, Vnode victim) {
            fs.pass("unlink");
            synchronized (this) {
                names.remove(name);
            }
            ((Node) victim).links--;
        }

        @Override
        public void rmdir(String name, Vnode victim) throws FsException {
            Node v = (Node) victim;
            if (!v.names.isEmpty()) {
                throw FsException.of(Errno.ENOTEMPTY, "memfs: %s is not empty", name);
            }
            synchronized (this) {
                names.remove(name);
            }
            v.links = 0;
            links--;
        }

        @Override
        public void rename(String name, Vnode moving, Vnode newDir, String newName, Vnode victim, int flags)
                throws FsException {
            fs.pass("rename");
            Node to = (Node) newDir;
            if (victim != null && victim.type() == FileType.DIRECTORY && !((Node) victim).names.isEmpty()) {
                throw FsException.of(Errno.ENOTEMPTY, "memfs: %s is not empty", newName);
            }
            if ((flags & dev.jdax.api.fs.OpenFlags.RENAME_EXCHANGE) != 0) {
                synchronized (this) {
                    names.put(name, victim.ino());
                }
                synchronized (to) {
                    to.names.put(newName, moving.ino());
                }
                if (victim.type() == FileType.DIRECTORY) {
                    ((Node) victim).parent = ino;
                }
                if (moving.type() == FileType.DIRECTORY) {
                    ((Node) moving).parent = to.ino;
                }
                return;
            }
            synchronized (this) {
                names.remove(name);
            }
            synchronized (to) {
                to.names.put(newName, moving.ino());
            }
            if (victim != null) {
                ((Node) victim).links = victim.type() == FileType.DIRECTORY ? 0 : victim.nlink() - 1;
            }
            if (moving.type() == FileType.DIRECTORY) {
                ((Node) moving).parent = to.ino;
            }
        }

        @Override
        public String readlink() {
            return target;
        }

        @Override
        public void setattr(SetAttr attr) {
        }

        @Override
        public void updateAtime(Instant t) {
            atime = t;
            atimeUpdates.incrementAndGet();
        }

        @Override
        public OpenFile open(int flags) {
            return new MemFile(this, flags);
        }

        @Override
        public void fsync(boolean dataOnly) {
        }

        @Override
        public void evict() {
            fs.evicted.incrementAndGet();
            if (links == 0) {
                fs.freed.incrementAndGet();
                fs.inodes.remove(ino);
            }
        }
    }

    /** An open file of bytes in memory. */
    record MemFile(Node node, int flags) implements OpenFile {
        @Override
        public long ino() {
            return node.ino;
        }

        @Override
        public long read(long pos, MemorySegment dst) {
            node.fs.pass("read");
            synchronized (node) {
                long n = Math.max(0, Math.min(dst.byteSize(), node.data.length - pos));
                MemorySegment.copy(MemorySegment.ofArray(node.data), pos, dst, 0, n);
                return n;
            }
        }

        @Override
        public long write(long pos, MemorySegment src, int rwFlags) {
            node.fs.pass("write");
            synchronized (node) {
                long end = pos + src.byteSize();
                if (end > node.data.length) {
                    node.data = java.util.Arrays.copyOf(node.data, (int) end);
                }
                MemorySegment.copy(src, 0, MemorySegment.ofArray(node.data), pos, src.byteSize());
                return src.byteSize();
            }
        }

        @Override
        public long size() {
            return node.data.length;
        }

        @Override
        public void truncate(long size) {
            node.fs.pass("truncate");
            synchronized (node) {
                node.data = java.util.Arrays.copyOf(node.data, (int) size);
            }
        }

        @Override
        public void fallocate(int mode, long offset, long length) throws FsException {
            throw FsException.of(Errno.EOPNOTSUPP, "memfs: fallocate");
        }

        @Override
        public void fsync(boolean dataOnly) {
        }

        @Override
        public void fadvise(long offset, long length, int advice) {
        }

        @Override
        public void syncRange(long offset, long length, int flags) {
        }

        @Override
        public long seekData(long offset) {
            return offset;
        }

        @Override
        public long seekHole(long offset) {
            return node.data.length;
        }

        @Override
        public List<FiemapExtent> fiemap(long start, long length) {
            return List.of();
        }

        @Override
        public StatInfo stat() {
            return node.stat();
        }

        @Override
        public FsxAttr fsxattr() {
            return new FsxAttr(0, 0, 0, 0, 0, 0);
        }

        @Override
        public void setDaxFlag(boolean dax) throws FsException {
            throw FsException.of(Errno.EOPNOTSUPP, "memfs: no DAX");
        }

        @Override
        public void setExtsize(long bytes) throws FsException {
            throw FsException.of(Errno.EOPNOTSUPP, "memfs: no extent size hint");
        }

        @Override
        public FileMapping mmap(long offset, long length, int prot, int flags) throws FsException {
            throw FsException.of(Errno.ENODEV, "memfs: no mappings");
        }

        @Override
        public void close() {
        }
    }

    @Override
    public void births(InodeBirths births) {
        this.births = births;
    }

    @Override
    public Node iget(long ino) throws FsException {
        igets.incrementAndGet();
        pass("iget");
        Node n = inodes.get(ino);
        if (n == null) {
            throw FsException.of(Errno.ESTALE, "memfs: inode %d is free", ino);
        }
        return n;
    }

    /** The node as the personality holds it, for assertions. */
    Node node(long ino) {
        return inodes.get(ino);
    }

    @Override
    public FileSystemType type() {
        return new FileSystemType() {
            @Override
            public String name() {
                return "memfs";
            }

            @Override
            public long minimumSize() {
                return 0;
            }

            @Override
            public Optional<String> probe(DaxDevice device) {
                return Optional.empty();
            }

            @Override
            public void checkMkfs(MkfsOptions options) {
            }

            @Override
            public void mkfs(DaxDevice device, MkfsOptions options) {
            }

            @Override
            public SuperBlock mount(DaxDevice device, MountOptions options) {
                return new MemFs();
            }
        };
    }

    @Override
    public DaxDevice device() {
        return null;
    }

    @Override
    public MountOptions options() {
        return MountOptions.none();
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public long rootIno() {
        return 2;
    }

    @Override
    public StatFs statfs() {
        return new StatFs(0, 4096, 0, 0, 0, 0, 0, 255);
    }

    @Override
    public void sync() {
    }

    @Override
    public MountCounters counters() {
        return new MountCounters(0, 0, 0, 0, Map.of(), 0, 0, 0, 0, 0, 0);
    }

    @Override
    public long maxLinks() {
        return 100;
    }

    @Override
    public int renameFlags() {
        return dev.jdax.api.fs.OpenFlags.RENAME_NOREPLACE | dev.jdax.api.fs.OpenFlags.RENAME_EXCHANGE;
    }

    @Override
    public void close() {
    }
}
