package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * xfs_blockgc_worker for CoW forks: the blocks a copy on write took beyond what it wrote (a CoW
 * extent size hint's worth) stay in the file's CoW fork for the writes that follow, and go back to
 * the free space once the scan finds the file idle. Linux queues the scan when a file's fork first
 * takes blocks and runs it after {@code fs.xfs.speculative_prealloc_lifetime} (300 s); it takes the
 * file's IOLOCK and MMAPLOCK without waiting and passes over a file in use, scanning again later
 * while any file keeps blocks (xfs_inode_free_cowblocks). jdax's delay is that sysctl's default, or
 * {@code -Djdax.xfs.blockgc.seconds=S}.
 */
final class CowBlockgc {
    static final double DEFAULT_SECONDS = 300;

    private final XfsFileSystem fs;
    private final long delayMillis;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile Thread thread;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "xfs blockgc");
        t.setDaemon(true);
        thread = t;
        return t;
    });

    CowBlockgc(XfsFileSystem fs) {
        this.fs = fs;
        double seconds = DEFAULT_SECONDS;
        try {
            seconds = Double.parseDouble(System.getProperty("jdax.xfs.blockgc.seconds", String.valueOf(DEFAULT_SECONDS)));
        } catch (NumberFormatException e) {
            // the default, as a bad sysctl value is refused and the old one kept
        }
        this.delayMillis = Math.max(1, (long) (seconds * 1000));
    }

    /** A file's CoW fork took blocks: the scan is queued, unless it already is (xfs_blockgc_queue). */
    void tagged() {
        if (queued.compareAndSet(false, true)) {
            try {
                timer.schedule(this::scan, delayMillis, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // unmounting: unmount gives the forks back itself
            }
        }
    }

    /**
     * xfs_blockgc_flush_all: the scan now, returning when it is done; files in use are passed over
     * as ever (the caller's own, whose I/O lock it may hold, among them).
     */
    void flushAll() {
        if (Thread.currentThread() == thread) {
            return;   // a transaction of the scan itself
        }
        try {
            timer.submit(this::scan).get();
        } catch (java.util.concurrent.RejectedExecutionException | java.util.concurrent.ExecutionException e) {
            // unmounting, or the scan failed: the operation's retry finds what there is
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void scan() {
        queued.set(false);
        boolean left = false;
        for (XfsInode in : List.copyOf(fs.withCowBlocks)) {
            try {
                if (in.space == null || !in.space.ifIdle(() -> fs.fileOps().cancelCow(in, 0))) {
                    left = true;
                }
            } catch (FsException | RuntimeException e) {
                left = true;   // a failed log: the next scan, or unmount, reports it
            }
        }
        if (left || !fs.withCowBlocks.isEmpty()) {
            tagged();
        }
    }

    /** Unmount stops it (xfs_blockgc_stop), waiting for a scan under way. */
    void stop() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
