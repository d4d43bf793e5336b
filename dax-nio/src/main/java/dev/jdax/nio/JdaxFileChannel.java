package dev.jdax.nio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.vfs.FileCopy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A FileChannel on a jdax file: reads and writes go straight through the DAX engine into the
 * device's memory. {@link #map(MapMode, long, long, Arena)} is the DAX mapping itself.
 */
final class JdaxFileChannel extends java.nio.channels.FileChannel {
    private final OpenFile file;
    private final String name;
    private final boolean append;
    /** What the open flags allow, read once: the flags of an open file do not change here. */
    private final boolean readable;
    private final boolean writable;
    private final FileLocks locks;
    private long position;
    /** The segment over the whole of a buffer used again and again (programs reuse theirs). */
    private volatile BufferSegment kept;
    /** The last buffer used (a hint: races only cost a segment made once more). */
    private ByteBuffer seen;

    /** A buffer and a segment over all of it, {@code [0, capacity)}. */
    private record BufferSegment(ByteBuffer buffer, MemorySegment whole) {
    }

    JdaxFileChannel(OpenFile file, String name, FileLocks locks) {
        this.file = file;
        this.name = name;
        this.locks = locks;
        int flags = file.flags();
        this.append = (flags & OpenFlags.O_APPEND) != 0;
        this.readable = OpenFlags.readable(flags);
        this.writable = OpenFlags.writable(flags);
    }

    /** The open file's inode: what its locks are kept by. */
    long ino() {
        return file.ino();
    }

    private IOException io(FsException e) {
        return NioErrors.of(e, name);
    }

    private void readable() throws IOException {
        ensure();
        if (!readable) {
            throw new NonReadableChannelException();
        }
    }

    private void writable() throws IOException {
        ensure();
        if (!writable) {
            throw new NonWritableChannelException();
        }
    }

    private void ensure() throws IOException {
        if (!isOpen()) {
            throw new java.nio.channels.ClosedChannelException();
        }
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        int n = read(dst, position);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        readable();
        if (pos < 0) {
            throw new IllegalArgumentException("Negative position");
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        interrupted();
        long n;
        try {
            MemorySegment whole = whole(dst);
            n = whole != null ? file.read(pos, whole, dst.position(), dst.remaining()) : file.read(pos, MemorySegment.ofBuffer(dst));
        } catch (FsException e) {
            throw failed(e);
        }
        interrupted();
        if (n == 0) {
            return -1;
        }
        dst.position(dst.position() + (int) n);
        return (int) n;
    }

    /**
     * A segment over the whole of {@code b} ({@code [0, capacity)}) once it is used a second time in
     * a row, kept for the calls that follow with it, so a program that reuses its buffer pays no
     * allocation per transfer (a buffer's memory never moves); null for a buffer seen once.
     */
    private MemorySegment whole(ByteBuffer b) {
        BufferSegment k = kept;
        if (k != null && k.buffer() == b) {
            return k.whole();
        }
        if (seen != b) {
            seen = b;
            return null;
        }
        MemorySegment whole = MemorySegment.ofBuffer(b.duplicate().clear());
        kept = new BufferSegment(b, whole);
        return whole;
    }

    /**
     * What {@code begin()}/{@code end()} give the JDK's channels, checked before and after the
     * I/O instead of registered for it: a thread interrupted closes the channel and gets
     * ClosedByInterruptException. A DAX transfer never blocks on a device, only on the inode's
     * locks, which an interrupt does not end in Linux either, so the channel closes when the call
     * returns rather than when the interrupt comes — and the two monitor operations of
     * registering the interruptor, each costing a fifth of a 4 KiB copy here, are not paid.
     */
    private void interrupted() throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            close();
            throw new ClosedByInterruptException();
        }
    }

    /** An error of the transfer; AsynchronousCloseException when another thread closed the channel meanwhile. */
    private IOException failed(FsException e) throws IOException {
        interrupted();
        if (!isOpen()) {
            return new AsynchronousCloseException();
        }
        return io(e);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, dsts.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            int n = read(dsts[i]);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (dsts[i].hasRemaining()) {
                break;
            }
        }
        return total;
    }

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        writable();
        if (append) {
            position = size();
        }
        int n = write(src, position);
        position += n;
        return n;
    }

    @Override
    public int write(ByteBuffer src, long pos) throws IOException {
        writable();
        if (pos < 0) {
            throw new IllegalArgumentException("Negative position");
        }
        interrupted();
        long n;
        try {
            MemorySegment whole = whole(src);
            n = whole != null ? file.write(pos, whole, src.position(), src.remaining(), 0)
                    : file.write(pos, MemorySegment.ofBuffer(src), 0);
        } catch (FsException e) {
            throw failed(e);
        }
        src.position(src.position() + (int) n);
        interrupted();
        return (int) n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        java.util.Objects.checkFromIndexSize(offset, length, srcs.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public synchronized long position() throws IOException {
        ensure();
        return position;
    }

    @Override
    public synchronized java.nio.channels.FileChannel position(long newPosition) throws IOException {
        ensure();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        ensure();
        try {
            return file.size();
        } catch (FsException e) {
            throw io(e);
        }
    }

    @Override
    public synchronized java.nio.channels.FileChannel truncate(long size) throws IOException {
        writable();
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        try {
            if (size < file.size()) {
                file.truncate(size);
            }
        } catch (FsException e) {
            throw io(e);
        }
        position = Math.min(position, size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensure();
        try {
            file.fsync(!metaData);
        } catch (FsException e) {
            throw io(e);
        }
    }

    /**
     * To another jdax channel on the same file system the bytes go as the JDK sends them between two
     * of its own file channels on Linux: by copy_file_range, in the file system, without a buffer of
     * ours ({@link FileCopy}); where the kernel would refuse (another file system, an appending or
     * overlapping target) by the JDK's fallback, a buffer read here and written there.
     */
    @Override
    public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
        if (target instanceof JdaxFileChannel t) {
            readable();
            t.writable();
            if (pos < 0 || count < 0) {
                throw new IllegalArgumentException("negative position " + pos + " or count " + count);
            }
            long n = t.copyFrom(file, pos, count);
            if (n >= 0) {
                return n;
            }
        }
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, 1 << 20));
        long done = 0;
        while (done < count) {
            buf.clear().limit((int) Math.min(buf.capacity(), count - done));
            int n = read(buf, pos + done);
            if (n <= 0) {
                break;
            }
            buf.flip();
            while (buf.hasRemaining()) {
                target.write(buf);
            }
            done += n;
        }
        return done;
    }

    /**
     * copy_file_range from {@code src} at {@code pos} to this channel's position, moved on by what
     * was copied; -1 when the kernel would refuse the call (EXDEV, EINVAL, EBADF) and the caller's
     * buffer copy must do it.
     */
    private synchronized long copyFrom(OpenFile src, long pos, long count) throws IOException {
        if (append) {
            return -1;
        }
        try {
            long n = FileCopy.copyFileRange(src, pos, file, position, count);
            position += n;
            return n;
        } catch (FsException e) {
            if (e.errno() == Errno.EXDEV || e.errno() == Errno.EINVAL || e.errno() == Errno.EBADF) {
                return -1;
            }
            throw io(e);
        }
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long pos, long count) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, 1 << 20));
        long done = 0;
        while (done < count) {
            buf.clear().limit((int) Math.min(buf.capacity(), count - done));
            int n = src.read(buf);
            if (n <= 0) {
                break;
            }
            buf.flip();
            while (buf.hasRemaining()) {
                done += write(buf, pos + done);
            }
        }
        return done;
    }

    /**
     * The DAX mapping as the JDK's mapped buffer: {@link #map(MapMode, long, long, Arena)}'s
     * segment in an automatic arena (see {@link ChannelMaps#buffer}).
     */
    @Override
    public MappedByteBuffer map(MapMode mode, long pos, long size) throws IOException {
        ensure();
        try {
            return ChannelMaps.buffer(file, OpenFlags.writable(file.flags()), mode, pos, size);
        } catch (FsException e) {
            throw io(e);
        }
    }

    /**
     * The DAX mapping: the file's pages under [offset, offset + size) mapped as the kernel maps them
     * after a fault, into the JDK's own mapped segment ({@code isMapped()}, {@code load()},
     * {@code force()} ... as for the JDK's channels): the device's memory for blocks (stores
     * through it are stores to the device; the segment's {@code force()} or {@link #force} make
     * them durable), the zero page for holes (READ_ONLY), and for a poisoned page or one beyond EOF
     * no page at all — touching it raises the JVM's answer to SIGBUS, an {@code InternalError}.
     * READ_WRITE faults every page for writing, which allocates holes. Truncate, punch and writes
     * into holes take the pages they change out of the segment (touching them faults; map again).
     * The segment is unmapped when {@code arena} closes. On a device whose memory cannot be mapped
     * twice (a {@code /dev/dax} node) the range must be one extent, and an IOException names it
     * otherwise.
     */
    @Override
    public MemorySegment map(MapMode mode, long offset, long size, Arena arena) throws IOException {
        ensure();
        try {
            return ChannelMaps.segment(file, OpenFlags.writable(file.flags()), mode, offset, size, arena);
        } catch (FsException e) {
            throw io(e);
        }
    }

    @Override
    public FileLock lock(long pos, long size, boolean shared) throws IOException {
        return locks.acquire(this, file.ino(), OpenFlags.readable(file.flags()), OpenFlags.writable(file.flags()), pos,
                size, shared);
    }

    @Override
    public FileLock tryLock(long pos, long size, boolean shared) throws IOException {
        return lock(pos, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        kept = null;
        seen = null;
        locks.releaseAll(this, file.ino());
        try {
            file.close();
        } catch (FsException e) {
            throw io(e);
        }
    }
}
