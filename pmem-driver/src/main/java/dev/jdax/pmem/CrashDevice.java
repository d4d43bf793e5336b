package dev.jdax.pmem;

import com.carrotsearch.hppc.LongObjectHashMap;
import dev.jdax.api.BadBlocks;
import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.DaxWindow;
import dev.jdax.api.DeviceCounters;
import dev.jdax.api.DeviceInfo;
import dev.jdax.api.FsException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A device that remembers what a power failure would leave. It keeps the durable image — every line
 * flushed and then fenced — and the lines written since the last fence with the bytes they held when
 * flushed. {@link #crashImage} builds the device a reboot would see under a {@link CrashPolicy}; a
 * fence listener lets an explorer stop at every fence point.
 *
 * <p>Stores through {@link #store} and {@link #zero} write their lines back as they go (as the
 * driver's flushcache copies do), so they are pending until the next fence. Stores made through a
 * {@link #directAccess} window (mapped writes) are seen only when their range is {@link #flush}ed: a
 * line never flushed never reaches the durable image.
 */
public final class CrashDevice implements DaxDevice {
    private final DaxDevice inner;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment durable;
    private final LongObjectHashMap<byte[]> pending = new LongObjectHashMap<>();
    private final List<Runnable> fenceListeners = new ArrayList<>();
    private final List<Runnable> beforeFence = new ArrayList<>();
    private long fencePoints;

    CrashDevice(DaxDevice inner) throws FsException {
        this.inner = inner;
        this.durable = arena.allocate(inner.size(), PAGE_SIZE);
        inner.load(0, durable, 0, inner.size());
    }

    /**
     * Registers a listener called after every fence, with the device consistent (the explorer may take a crash image).
     *
     * @param listener called under the device's lock
     */
    public synchronized void onFence(Runnable listener) {
        fenceListeners.add(listener);
    }

    /** {@return the fences so far}. */
    public synchronized long fencePoints() {
        return fencePoints;
    }

    /** {@return the lines written back but not fenced}, in address order (device offsets of their first byte). */
    public synchronized long[] pendingLines() {
        long[] keys = pending.keys().toArray();
        Arrays.sort(keys);
        for (int i = 0; i < keys.length; i++) {
            keys[i] *= CACHE_LINE;
        }
        return keys;
    }

    /**
     * Every subset of the pending lines, when there are at most {@code maxLines} of them (2^n policies).
     *
     * @param maxLines the most pending lines to enumerate (20 at most in any case)
     * @return one {@link CrashPolicy.Subset} per subset
     * @throws IllegalStateException when more lines are pending
     */
    public synchronized List<CrashPolicy> allSubsets(int maxLines) {
        int n = pending.size();
        if (n > maxLines || n > 20) {
            throw new IllegalStateException(n + " pending lines: too many to enumerate (limit " + Math.min(maxLines, 20) + ")");
        }
        List<CrashPolicy> out = new ArrayList<>();
        for (long mask = 0; mask < (1L << n); mask++) {
            out.add(CrashPolicy.subset(BitSet.valueOf(new long[] {mask})));
        }
        return out;
    }

    /**
     * What the device holds after a power failure now, as a fresh in-memory device.
     *
     * @param policy which pending lines survive
     * @return a new memory device with the durable contents and the surviving lines
     * @throws FsException when the memory device cannot be had
     */
    public synchronized DaxDevice crashImage(CrashPolicy policy) throws FsException {
        DaxDevice out = PmemDevices.memory(size());
        out.store(0, durable, 0, size());
        long[] lines = pendingLines();
        SplittableRandom random = policy instanceof CrashPolicy.Random r ? new SplittableRandom(r.seed()) : null;
        for (int i = 0; i < lines.length; i++) {
            byte[] data = pending.get(lines[i] / CACHE_LINE);
            switch (policy) {
                case CrashPolicy.AllLost a -> {
                }
                case CrashPolicy.AllKept a -> out.store(lines[i], MemorySegment.ofArray(data), 0, data.length);
                case CrashPolicy.Subset s -> {
                    if (s.kept().get(i)) {
                        out.store(lines[i], MemorySegment.ofArray(data), 0, data.length);
                    }
                }
                case CrashPolicy.Random r -> {
                    // Each 8-byte word of the line survives or not: stores are atomic at 8 bytes only.
                    int mode = random.nextInt(3);
                    for (int w = 0; w < CACHE_LINE / 8; w++) {
                        if (mode == 1 || (mode == 2 && random.nextBoolean())) {
                            out.store(lines[i] + w * 8L, MemorySegment.ofArray(data), w * 8L, 8);
                        }
                    }
                }
            }
        }
        out.badBlocks().addAll(badBlocks().toText(), "crash image");
        out.fence();
        return out;
    }

    private void remember(long offset, long length) throws FsException {
        if (length <= 0) {
            return;
        }
        long first = offset / CACHE_LINE;
        long last = (offset + length - 1) / CACHE_LINE;
        for (long line = first; line <= last; line++) {
            byte[] data = new byte[CACHE_LINE];
            inner.load(line * CACHE_LINE, MemorySegment.ofArray(data), 0, CACHE_LINE);
            pending.put(line, data);
        }
    }

    @Override
    public synchronized void store(long offset, MemorySegment src, long srcOffset, long length) throws FsException {
        inner.store(offset, src, srcOffset, length);
        remember(offset, length);
    }

    @Override
    public synchronized void storeData(long offset, MemorySegment src, long srcOffset, long length) throws FsException {
        inner.storeData(offset, src, srcOffset, length);
        remember(offset, length);
    }

    @Override
    public synchronized void zero(long offset, long length) throws FsException {
        inner.zero(offset, length);
        remember(offset, length);
    }

    @Override
    public synchronized void zeroData(long offset, long length) throws FsException {
        inner.zeroData(offset, length);
        remember(offset, length);
    }

    @Override
    public synchronized void flush(long offset, long length) throws FsException {
        inner.flush(offset, length);
        remember(offset, length);
    }

    /**
     * Called just before each fence takes effect, while the lines it is about to make durable are
     * still pending: the moment a power failure can split them.
     *
     * @param listener called under the device's lock
     */
    public synchronized void beforeFence(Runnable listener) {
        beforeFence.add(listener);
    }

    @Override
    public void fence() {
        List<Runnable> before;
        synchronized (this) {
            before = List.copyOf(beforeFence);
        }
        before.forEach(Runnable::run);
        List<Runnable> listeners;
        synchronized (this) {
            inner.fence();
            for (var c : pending) {
                MemorySegment.copy(MemorySegment.ofArray(c.value), 0, durable, c.key * CACHE_LINE, CACHE_LINE);
            }
            pending.clear();
            fencePoints++;
            listeners = List.copyOf(fenceListeners);
        }
        listeners.forEach(Runnable::run);
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public String name() {
        return "crash(" + inner.name() + ")";
    }

    @Override
    public DaxWindow directAccess(long pgoff, long nrPages, DaxAccessMode mode) throws FsException {
        return inner.directAccess(pgoff, nrPages, mode);
    }

    @Override
    public void load(long offset, MemorySegment dst, long dstOffset, long length) throws FsException {
        inner.load(offset, dst, dstOffset, length);
    }

    @Override
    public BadBlocks badBlocks() {
        return inner.badBlocks();
    }

    @Override
    public void clearPoison(long offset, long length) throws FsException {
        inner.clearPoison(offset, length);
    }

    @Override
    public DeviceCounters counters() {
        return inner.counters();
    }

    @Override
    public DeviceInfo info() {
        DeviceInfo i = inner.info();
        return new DeviceInfo("crash-simulating over " + i.backing(), i.mapping(), i.mapSyncRefusal(),
                i.flushMethod() + "; unfenced lines tracked for crash images", i.persistent());
    }

    @Override
    public void close() throws FsException {
        arena.close();
        inner.close();
    }
}
