package dev.jdax.nio;

import java.io.IOException;
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
    private final Map<Long, List<Held>> byInode = new HashMap<>();

    /**
     * {@code FileChannel.lock}/{@code tryLock} of {@code channel} on inode {@code ino}, with the
     * JDK's checks: a shared lock needs a readable channel, an exclusive one a writable channel;
     * size 0 means to the end of any file, as {@code FileChannelImpl} takes it.
     */
    FileLock acquire(FileChannel channel, long ino, boolean readable, boolean writable, long position, long size,
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
        Held lock = new Held(this, ino, channel, position, size, shared);
        synchronized (this) {
            List<Held> held = byInode.computeIfAbsent(ino, k -> new ArrayList<>());
            for (Held h : held) {
                if (h.overlaps(position, size)) {
                    throw new OverlappingFileLockException();
                }
            }
            held.add(lock);
        }
        return lock;
    }

    /** What closing {@code channel} does: its locks on {@code ino} are released and no longer valid. */
    void releaseAll(FileChannel channel, long ino) {
        List<Held> gone = new ArrayList<>();
        synchronized (this) {
            List<Held> held = byInode.get(ino);
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
        gone.forEach(Held::invalidate);
    }

    private synchronized void remove(Held lock) {
        List<Held> held = byInode.get(lock.ino);
        if (held != null) {
            held.remove(lock);
            if (held.isEmpty()) {
                byInode.remove(lock.ino);
            }
        }
    }

    /** One lock, valid until released or its channel closes ({@code sun.nio.ch.FileLockImpl}). */
    private static final class Held extends FileLock {
        private final FileLocks table;
        private final long ino;
        private volatile boolean invalid;

        Held(FileLocks table, long ino, FileChannel channel, long position, long size, boolean shared) {
            super(channel, position, size, shared);
            this.table = table;
            this.ino = ino;
        }

        @Override
        public boolean isValid() {
            return !invalid;
        }

        synchronized void invalidate() {
            invalid = true;
        }

        @Override
        public synchronized void release() throws IOException {
            if (!acquiredBy().isOpen()) {
                throw new ClosedChannelException();
            }
            if (!invalid) {
                table.remove(this);
                invalid = true;
            }
        }
    }
}
