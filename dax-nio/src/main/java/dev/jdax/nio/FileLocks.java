package dev.jdax.nio;

import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The locks held on the files of one jdax file system, per inode, as the JDK's per-file lock table
 * ({@code sun.nio.ch.FileLockTable}) keeps them per (device, inode): a lock that overlaps one held
 * on the same file, through any channel and any path of it, is an
 * {@link OverlappingFileLockException}, shared or not; closing a channel releases its locks. No
 * other process can open a jdax file, so a lock never waits for one: {@code lock} and
 * {@code tryLock} both answer at once.
 */
final class FileLocks {
    private final Map<Long, List<FileLock>> byInode = new HashMap<>();

    /**
     * {@code FileChannel.lock}/{@code tryLock} of {@code channel} on inode {@code ino}, with the
     * JDK's checks: a shared lock needs a readable channel, an exclusive one a writable channel;
     * size 0 means to the end of any file, as {@code FileChannelImpl} takes it.
     */
    FileLock acquire(Channel channel, long ino, boolean readable, boolean writable, long position, long size,
                     boolean shared) throws IOException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        if (shared && !readable) {
            throw new NonReadableChannelException();
        }
        if (!shared && !writable) {
            throw new NonWritableChannelException();
        }
        if (size == 0) {
            size = Long.MAX_VALUE - Math.max(0, position);
        }
        Validity v = new Validity(this, ino);
        FileLock lock = channel instanceof FileChannel fc ? new Held(fc, position, size, shared, v)
                : new HeldAsync((AsynchronousFileChannel) channel, position, size, shared, v);
        synchronized (this) {
            List<FileLock> held = byInode.computeIfAbsent(ino, k -> new ArrayList<>());
            for (FileLock h : held) {
                if (h.overlaps(position, size)) {
                    throw new OverlappingFileLockException();
                }
            }
            held.add(lock);
        }
        return lock;
    }

    /** What closing {@code channel} does: its locks on {@code ino} are released and no longer valid. */
    void releaseAll(Channel channel, long ino) {
        List<FileLock> gone = new ArrayList<>();
        synchronized (this) {
            List<FileLock> held = byInode.get(ino);
            if (held == null) {
                return;
            }
            held.removeIf(h -> {
                boolean mine = h.acquiredBy() == channel;
                if (mine) {
                    gone.add(h);
                }
                return mine;
            });
            if (held.isEmpty()) {
                byInode.remove(ino);
            }
        }
        for (FileLock l : gone) {
            validity(l).invalidate();
        }
    }

    private synchronized void remove(FileLock lock, long ino) {
        List<FileLock> held = byInode.get(ino);
        if (held != null) {
            held.remove(lock);
            if (held.isEmpty()) {
                byInode.remove(ino);
            }
        }
    }

    private static Validity validity(FileLock l) {
        return l instanceof Held h ? h.validity : ((HeldAsync) l).validity;
    }

    /** Whether a lock still holds, and its release ({@code sun.nio.ch.FileLockImpl}'s part). */
    private static final class Validity {
        private final FileLocks table;
        private final long ino;
        private volatile boolean invalid;

        Validity(FileLocks table, long ino) {
            this.table = table;
            this.ino = ino;
        }

        synchronized void invalidate() {
            invalid = true;
        }

        synchronized void release(FileLock lock) throws IOException {
            if (!lock.acquiredBy().isOpen()) {
                throw new ClosedChannelException();
            }
            if (!invalid) {
                table.remove(lock, ino);
                invalid = true;
            }
        }
    }

    /** A lock of a FileChannel, valid until released or its channel closes. */
    private static final class Held extends FileLock {
        private final Validity validity;

        Held(FileChannel channel, long position, long size, boolean shared, Validity validity) {
            super(channel, position, size, shared);
            this.validity = validity;
        }

        @Override
        public boolean isValid() {
            return !validity.invalid;
        }

        @Override
        public void release() throws IOException {
            validity.release(this);
        }
    }

    /** A lock of an AsynchronousFileChannel: the same, with the other FileLock constructor. */
    private static final class HeldAsync extends FileLock {
        private final Validity validity;

        HeldAsync(AsynchronousFileChannel channel, long position, long size, boolean shared, Validity validity) {
            super(channel, position, size, shared);
            this.validity = validity;
        }

        @Override
        public boolean isValid() {
            return !validity.invalid;
        }

        @Override
        public void release() throws IOException {
            validity.release(this);
        }
    }
}
