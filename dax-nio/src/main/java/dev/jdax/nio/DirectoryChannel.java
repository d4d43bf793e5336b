package dev.jdax.nio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * {@code FileChannel.open(dir, READ)}: what the JDK gives on Linux, a read-only descriptor of a
 * directory. Reads fail as {@code read(2)} does on one (EISDIR), writes are those of a channel not
 * open for writing, and {@link #force} is how programs make a create, delete or rename in the
 * directory durable (Lucene at every commit): it commits the directory's changes.
 */
final class DirectoryChannel extends FileChannel {
    private final JdaxFileSystem fs;
    private final OpenFile dir;
    private final long ino;
    private final String name;
    private long position;

    /** Takes over {@code dir}, the directory opened O_RDONLY, and closes it with the channel. */
    DirectoryChannel(JdaxFileSystem fs, OpenFile dir, String name) {
        this.fs = fs;
        this.dir = dir;
        this.ino = dir.ino();
        this.name = name;
    }

    private void ensureOpen() throws IOException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    /** read(2) on a directory descriptor: EISDIR, which the JDK reports as an IOException. */
    private IOException isADirectory() throws IOException {
        ensureOpen();
        return new IOException("Is a directory");
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        throw isADirectory();
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        throw isADirectory();
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
        if (pos < 0) {
            throw new IllegalArgumentException("Negative position");
        }
        throw isADirectory();
    }

    @Override
    public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
        throw isADirectory();
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        throw new NonWritableChannelException();
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return write((ByteBuffer) null);
    }

    @Override
    public int write(ByteBuffer src, long pos) throws IOException {
        return write(src);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long pos, long count) throws IOException {
        return write((ByteBuffer) null);
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        ensureOpen();
        if (size < 0) {
            throw new IllegalArgumentException("Negative size");
        }
        throw new NonWritableChannelException();
    }

    @Override
    public synchronized long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public synchronized FileChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException();
        }
        position = newPosition;
        return this;
    }

    /** The directory's {@code i_size}, as fstat gives it to the JDK. */
    @Override
    public long size() throws IOException {
        ensureOpen();
        try {
            return dir.size();
        } catch (FsException e) {
            throw NioErrors.of(e, name);
        }
    }

    /**
     * fsync (or fdatasync) of the directory: its entries (creates, deletes, renames in it) become
     * durable — on ext4 the commit of the transaction that last changed it, as ext4_sync_file.
     */
    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        try {
            dir.fsync(!metaData);
        } catch (FsException e) {
            throw NioErrors.of(e, name);
        }
    }

    /** mmap of a directory is ENODEV; a mapping of no bytes maps nothing and is the JDK's empty segment. */
    @Override
    public MemorySegment map(MapMode mode, long offset, long size, Arena arena) throws IOException {
        ensureOpen();
        if (mode != MapMode.READ_ONLY) {
            throw new NonWritableChannelException();
        }
        if (offset < 0 || size < 0) {
            throw new IllegalArgumentException(offset < 0 ? "Requested bytes offset must be >= 0."
                    : "Requested bytes size must be >= 0.");
        }
        if (size == 0) {
            return ChannelMaps.emptyMapping(mode, arena);
        }
        throw new IOException("No such device");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long pos, long size) throws IOException {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Size exceeds Integer.MAX_VALUE");
        }
        return (MappedByteBuffer) map(mode, pos, size, Arena.ofAuto()).asByteBuffer();
    }

    @Override
    public FileLock lock(long pos, long size, boolean shared) throws IOException {
        return fs.locks().acquire(this, ino, true, false, pos, size, shared);
    }

    @Override
    public FileLock tryLock(long pos, long size, boolean shared) throws IOException {
        return lock(pos, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        fs.locks().releaseAll(this, ino);
        try {
            dir.close();
        } catch (FsException e) {
            throw NioErrors.of(e, name);
        }
    }
}
