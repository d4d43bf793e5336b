package dev.jdax.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code AsynchronousFileChannel} on a jdax file, as the JDK's Linux provider makes it
 * ({@code sun.nio.ch.SimpleAsynchronousFileChannelImpl}): each operation is the file channel's
 * positional read or write run on an executor (the caller's, or a shared pool of daemon threads),
 * completing a Future or calling the handler there. Locks are the file's, in the same per-inode
 * table as the FileChannels' ({@link FileLocks}).
 */
final class JdaxAsyncChannel extends AsynchronousFileChannel {
    /** The pool for channels opened without an executor. */
    private static final class DefaultPool {
        static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "jdax-async-file-channel");
            t.setDaemon(true);
            return t;
        });
    }

    private final JdaxFileChannel channel;
    private final ExecutorService executor;
    private final FileLocks locks;
    private final long ino;
    private final boolean readable;
    private final boolean writable;

    JdaxAsyncChannel(JdaxFileChannel channel, ExecutorService executor, FileLocks locks, long ino, boolean readable,
                     boolean writable) {
        this.channel = channel;
        this.executor = executor == null ? DefaultPool.POOL : executor;
        this.locks = locks;
        this.ino = ino;
        this.readable = readable;
        this.writable = writable;
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return channel.size();
    }

    @Override
    public AsynchronousFileChannel truncate(long size) throws IOException {
        ensureOpen();
        if (size < 0) {
            throw new IllegalArgumentException("Negative size");
        }
        channel.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        channel.force(metaData);
    }

    @Override
    public <A> void lock(long position, long size, boolean shared, A attachment,
                         CompletionHandler<FileLock, ? super A> handler) {
        run(() -> tryLock(position, size, shared), attachment, handler);
    }

    @Override
    public Future<FileLock> lock(long position, long size, boolean shared) {
        return submit(() -> tryLock(position, size, shared));
    }

    /** No other process can hold a jdax file's lock, so this never answers null. */
    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return locks.acquire(this, ino, readable, writable, position, size, shared);
    }

    @Override
    public <A> void read(ByteBuffer dst, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
        checkRead(dst, position);
        run(() -> channel.read(dst, position), attachment, handler);
    }

    @Override
    public Future<Integer> read(ByteBuffer dst, long position) {
        checkRead(dst, position);
        return submit(() -> channel.read(dst, position));
    }

    @Override
    public <A> void write(ByteBuffer src, long position, A attachment, CompletionHandler<Integer, ? super A> handler) {
        checkWrite(position);
        run(() -> channel.write(src, position), attachment, handler);
    }

    @Override
    public Future<Integer> write(ByteBuffer src, long position) {
        checkWrite(position);
        return submit(() -> channel.write(src, position));
    }

    private void checkRead(ByteBuffer dst, long position) {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        if (position < 0) {
            throw new IllegalArgumentException("Negative position");
        }
        if (!readable) {
            throw new NonReadableChannelException();
        }
    }

    private void checkWrite(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("Negative position");
        }
        if (!writable) {
            throw new NonWritableChannelException();
        }
    }

    /** The operation on the executor, its outcome to a Future; a closed channel fails it. */
    private <V> Future<V> submit(Callable<V> op) {
        CompletableFuture<V> f = new CompletableFuture<>();
        executor.execute(() -> {
            try {
                ensureOpen();
                f.complete(op.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** The operation on the executor, its outcome to the handler there. */
    private <V, A> void run(Callable<V> op, A attachment, CompletionHandler<V, ? super A> handler) {
        executor.execute(() -> {
            V v;
            try {
                ensureOpen();
                v = op.call();
            } catch (Throwable t) {
                handler.failed(t, attachment);
                return;
            }
            handler.completed(v, attachment);
        });
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        locks.releaseAll(this, ino);
        channel.close();
    }
}
