package dev.jdax.fs.ext4;

import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.DaxWindow;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Metadata blocks through the driver, their numbers checked against the file system's size. With
 * a journal, writes go to a buffer cache instead of their home ({@code buffer_head}s of the
 * running transaction): reads see the cache first, the transaction that wrote a block logs it at
 * commit, and the block leaves the cache once the commit has written it home and nothing newer
 * changed it. Each buffer is changed as one step under its own monitor, so transactions of many
 * threads can share a block (an inode table block, a descriptor block).
 */
final class Disk {
    /** A cached block: its bytes and how often they changed (a checkpoint compares the count). */
    private static final class Buf extends BlockTable.Keyed {
        final byte[] data;
        long version;
        /**
         * Left the cache: its bytes are home. Set under the buffer's monitor; volatile, so that a
         * reader that only asks ({@link #readShared}) need not enter the monitor, whose atomic
         * instruction was a line written per block read.
         */
        volatile boolean detached;
        /** The transaction whose block list has it ({@code jh->b_transaction}): changed again, not listed again. */
        Jbd2.Transaction transaction;
        /** The checksums its writes left to the commit ({@link #writeSealed}), or null. */
        Sealer sealer;
        long sealArg;

        /** Its bytes as {@link #readShared} hands them out: one view, read and written only at absolute indices. */
        final ByteBuffer view;

        Buf(long block, byte[] data) {
            super(block);
            this.data = data;
            this.view = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /**
     * Checksums a commit puts into a block before it logs it, rather than every write: a directory
     * leaf or an inode changed a thousand times in a transaction is summed once (Linux sums them at
     * every {@code ext4_handle_dirty_dirblock} and {@code ext4_mark_iloc_dirty}; the log and the
     * block's home see the same bytes).
     */
    interface Sealer {
        /** Puts into {@code block} the checksums {@code arg} names. */
        void seal(byte[] block, long arg);

        /** {@return what a buffer with {@code pending} due owes after a write of part of it asking {@code arg}} */
        default long merge(long pending, long arg) {
            return arg;
        }
    }

    /** Bytes of a block, and whether the seal that covers them is still the commit's to put in. */
    record Part(byte[] bytes, boolean sealPending) {
    }

    /** A committed block's bytes and the buffer version they are. */
    record Frozen(byte[] data, long version) {
    }

    private final DaxDevice device;
    private final int bs;
    private final long blocks;
    private final BlockTable<Buf> cache = new BlockTable<>();
    /** Blocks {@link #readShared} read from home, verified, kept while their home stays as they are. */
    private final CleanBlocks clean = new CleanBlocks();
    private volatile Jbd2 journal;
    /** mkfs: the range stored through windows with no write-back yet ({@link #writeBack}); low -1 otherwise. */
    private long unflushedLow = -1;
    private long unflushedHigh;

    Disk(DaxDevice device, int bs, long blocks) {
        this.device = device;
        this.bs = bs;
        this.blocks = blocks;
    }

    DaxDevice device() {
        return device;
    }

    int blockSize() {
        return bs;
    }

    long blocks() {
        return blocks;
    }

    void check(long block, String what) throws FsException {
        if (block <= 0 || block >= blocks) {
            throw FsException.of(Errno.EUCLEAN, "ext4: %s: block %d outside the file system (%d blocks)", what, block, blocks);
        }
    }

    /** From now on metadata writes belong to the journal's running transaction instead of going home. */
    void journalled(Jbd2 j) {
        journal = j;
    }

    private byte[] load(long block) throws FsException {
        byte[] b = new byte[bs];
        device.load(block * bs, MemorySegment.ofArray(b), 0, bs);
        return b;
    }

    /** A copy of the block as the journal's buffers hold it, or null when it is not in them. */
    private byte[] buffered(long block) {
        Buf c = cache.get(block);
        if (c != null) {
            synchronized (c) {
                if (!c.detached) {
                    return c.data.clone();
                }
            }
        }
        return null;
    }

    ByteBuffer read(long block, String what) throws FsException {
        return read(block, what, null);
    }

    /** A check of a block's bytes (its checksum) as read from the device. */
    interface Verifier {
        void verify(ByteBuffer b) throws FsException;
    }

    /**
     * The block, {@code verifier} run on it when it comes from the device. A block in the journal's
     * buffers holds what this mount wrote, sealed by its writer: it is not checked again on every
     * read, as Linux checks a buffer once ({@code buffer_verified}) rather than on every lookup.
     */
    ByteBuffer read(long block, String what, Verifier verifier) throws FsException {
        check(block, what);
        byte[] b = buffered(block);
        if (b != null) {
            return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        }
        return loadVerified(block, verifier);
    }

    /** The block read from the device, {@code verifier} run on it. */
    private ByteBuffer loadVerified(long block, Verifier verifier) throws FsException {
        ByteBuffer loaded = ByteBuffer.wrap(load(block)).order(ByteOrder.LITTLE_ENDIAN);
        if (verifier != null) {
            verifier.verify(loaded);
        }
        return loaded;
    }

    /**
     * The block as {@link #read(long, String, Verifier)} gives it, but without a copy when the
     * journal's buffers hold it: the buffer's own bytes. Only for a caller whose lock keeps every
     * other writer of the block away (a directory's {@code i_rwsem}): it reads them, or changes
     * them and then at once writes them back with {@link #write}, nothing between that can fail —
     * as Linux changes a buffer_head's bytes in place between get_write_access and dirty_metadata.
     * A commit never sees the change half made: it freezes its blocks while no handle runs. A block
     * read from home is kept ({@link CleanBlocks}) and served in place too, until its home changes.
     * The buffer handed out is shared by every reader of the block: callers use absolute indices only.
     * The error, if any, names {@code what} and {@code id}.
     */
    ByteBuffer readShared(long block, String what, long id, Verifier verifier) throws FsException {
        if (block <= 0 || block >= blocks) {
            check(block, what + " " + id);
        }
        Buf c = cache.get(block);
        if (c != null && !c.detached) {
            return c.view;
        }
        ByteBuffer kept = clean.get(block);
        if (kept != null) {
            return kept;
        }
        ByteBuffer loaded = loadVerified(block, verifier);
        clean.keep(block, loaded);
        return loaded;
    }

    /** {@link #write(long, ByteBuffer, String)}, the error naming {@code what} and {@code id} made only if there is one. */
    void write(long block, ByteBuffer data, String what, long id) throws FsException {
        writeSealed(block, data, null, 0, what, id);
    }

    void write(long block, ByteBuffer data, String what) throws FsException {
        check(block, what);
        change(block, 0, data.array(), 0, bs);
    }

    /**
     * {@link #write(long, ByteBuffer, String, long)} of a block whose checksum {@code sealer} puts
     * in with {@code arg} when the commit freezes it (at once without a journal, whose writes go
     * home now). Until then the cached bytes carry a stale checksum: they are never verified again
     * ({@link #read(long, String, Verifier)}), and another write of the whole block drops the seal.
     * A null {@code sealer}: the bytes are written as they are.
     */
    void writeSealed(long block, ByteBuffer data, Sealer sealer, long arg, String what, long id) throws FsException {
        if (block <= 0 || block >= blocks) {
            check(block, what + " " + id);
        }
        change(block, 0, data.array(), 0, bs, sealer, arg);
    }

    /**
     * {@link #writeBytes(long, byte[])} of part of a block whose checksums {@code sealer} puts in
     * when the commit freezes it, the seal merged with what the block owes already
     * ({@link Sealer#merge}). Only with a journal: without one a write goes home at once.
     */
    void writeSealed(long off, byte[] b, Sealer sealer, long arg) throws FsException {
        if (journal == null) {
            throw new IllegalStateException("ext4: a checksum left to a commit without a journal");
        }
        change(off / bs, (int) (off % bs), b, 0, b.length, sealer, arg);
    }

    /** Whether writes go to a journal's transactions (and a checksum may wait for the commit). */
    boolean journalled() {
        return journal != null;
    }

    /**
     * {@code len} bytes at {@code off} (within one block) as {@link #readBytes} gives them, and
     * whether the journal's buffer holds them with a seal of {@code sealer} due whose argument shares
     * a bit with {@code bits}: their checksum is then the commit's to put in, not a damage.
     */
    Part readPart(long off, int len, Sealer sealer, long bits) throws FsException {
        byte[] out = new byte[len];
        while (true) {
            Buf c = cache.get(off / bs);
            if (c == null) {
                // Home: every block there was sealed by the commit that wrote it.
                device.load(off, MemorySegment.ofArray(out), 0, len);
                return new Part(out, false);
            }
            synchronized (c) {
                if (!c.detached) {
                    System.arraycopy(c.data, (int) (off % bs), out, 0, len);
                    return new Part(out, c.sealer == sealer && (c.sealArg & bits) != 0);
                }
            }
            // checkpointed away meanwhile: its bytes are home, or in a buffer made since
        }
    }

    byte[] readBytes(long off, int len) throws FsException {
        byte[] out = new byte[len];
        for (int done = 0; done < len; ) {
            long block = (off + done) / bs;
            int in = (int) ((off + done) % bs);
            int n = Math.min(len - done, bs - in);
            Buf c = cache.get(block);
            boolean copied = false;
            if (c != null) {
                synchronized (c) {
                    if (!c.detached) {
                        System.arraycopy(c.data, in, out, done, n);
                        copied = true;
                    }
                }
            }
            if (!copied) {
                device.load(off + done, MemorySegment.ofArray(out), done, n);
            }
            done += n;
        }
        return out;
    }

    void writeBytes(long off, byte[] b) throws FsException {
        writeBytes(off, b, 0, b.length);
    }

    /** Writes {@code len} bytes of {@code b} from {@code from} at device offset {@code off} (a caller's lock keeps them still). */
    void writeBytes(long off, byte[] b, int from, int len) throws FsException {
        for (int done = 0; done < len; ) {
            long block = (off + done) / bs;
            int in = (int) ((off + done) % bs);
            int n = Math.min(len - done, bs - in);
            change(block, in, b, from + done, n);
            done += n;
        }
    }

    /** Copies {@code n} bytes of {@code src} into the block at {@code at}: in place, or into the running transaction. */
    private void change(long block, int at, byte[] src, int from, int n) throws FsException {
        change(block, at, src, from, n, null, 0);
    }

    private void change(long block, int at, byte[] src, int from, int n, Sealer sealer, long arg) throws FsException {
        Jbd2 j = journal;
        if (j == null) {
            if (sealer != null) {
                sealer.seal(src, arg); // a whole block (writeSealed of a part needs a journal)
            }
            storeHome(block * bs + at, src, from, n);
            clean.drop(block);
            return;
        }
        Jbd2.Handle h = j.handle();
        while (true) {
            Buf c = cache.get(block);
            if (c == null) {
                Buf fresh = new Buf(block, load(block));
                c = cache.putIfAbsent(fresh);
                if (c == null) {
                    c = fresh;
                }
            }
            boolean listed;
            synchronized (c) {
                if (c.detached) {
                    continue; // checkpointed away meanwhile: its bytes are home, read them again
                }
                boolean whole = n == bs;
                if (!whole && sealer != null && c.sealer != null && c.sealer != sealer) {
                    c.sealer.seal(c.data, c.sealArg); // another kind of seal due: put in before this one's
                    c.sealer = null;
                }
                if (src != c.data) { // a block changed in place (readShared) is already there
                    System.arraycopy(src, from, c.data, at, n);
                }
                c.version++;
                if (whole) {
                    // A whole block written replaces a pending seal; a part of one written plainly (a
                    // bitmap's bytes) leaves it: every block type written in parts is written whole first.
                    c.sealer = sealer;
                    c.sealArg = arg;
                } else if (sealer != null) {
                    c.sealArg = c.sealer == sealer ? sealer.merge(c.sealArg, arg) : arg;
                    c.sealer = sealer;
                }
                listed = c.transaction == h.t;
                c.transaction = h.t;
            }
            if (!listed) {
                h.dirty(block);
            }
            return;
        }
    }

    private void storeHome(long off, byte[] src, int from, int n) throws FsException {
        if (unflushedLow >= 0) {
            long page = off / DaxDevice.PAGE_SIZE;
            DaxWindow w = device.directAccess(page, (off + n - 1) / DaxDevice.PAGE_SIZE - page + 1, DaxAccessMode.ACCESS);
            if (w.deviceOffset() + w.pages() * DaxDevice.PAGE_SIZE >= off + n) {
                MemorySegment.copy(MemorySegment.ofArray(src), from, w.segment(), off - w.deviceOffset(), n);
                unflushedLow = Math.min(unflushedLow, off);
                unflushedHigh = Math.max(unflushedHigh, off + n);
                return;
            }
        }
        device.store(off, MemorySegment.ofArray(src), from, n);
    }

    /**
     * For mkfs, which writes as mke2fs writes a disk: its thousands of small stores (descriptor
     * copies, bitmaps) get no write-back each — on an image mapped without MAP_SYNC a write-back is
     * an msync, a synchronous flush of the file, and a 1 TiB mkfs spent seconds in them — and
     * {@link #writeBack} writes back all of it at once. Not on persistent memory, whose write-back
     * is per cache line anyway, nor with bad sectors (stores ignore them; windows do not).
     */
    void deferWriteBack() {
        if (!device.info().persistent() && device.badBlocks().isEmpty()) {
            unflushedLow = Long.MAX_VALUE;
        }
    }

    /** Writes back what {@link #deferWriteBack} left unflushed, and fences. */
    void writeBack() throws FsException {
        if (unflushedLow >= 0 && unflushedHigh > unflushedLow) {
            device.flush(unflushedLow, unflushedHigh - unflushedLow);
        }
        device.fence();
    }

    /** The bytes of {@code blocks} as they are now, for a commit (no handle is open: they are consistent). */
    Map<Long, Frozen> freeze(Collection<Long> blocksToLog) {
        Map<Long, Frozen> out = new LinkedHashMap<>();
        for (long b : blocksToLog) {
            Buf c = cache.get(b);
            synchronized (c) {
                if (c.sealer != null) {
                    c.sealer.seal(c.data, c.sealArg);
                    c.sealer = null;
                }
                out.put(b, new Frozen(c.data.clone(), c.version));
            }
        }
        return out;
    }

    /**
     * {@code jbd2_journal_forget} for a block the running transaction gave out and gives back: it is
     * no longer logged nor written home, and leaves the cache, so whoever takes the block next
     * (file data written straight to the device included) is not overwritten at the commit. Only
     * for a block no earlier transaction changed; inside a handle.
     */
    void forget(long block) {
        Jbd2 j = journal;
        if (j != null) {
            j.forget(block);
        }
        Buf c = cache.remove(block);
        if (c != null) {
            synchronized (c) {
                c.detached = true;
            }
        }
        clean.drop(block);
    }

    /** Blocks given back to the allocator: whatever they hold next (file data written straight to them) is not theirs now. */
    void released(long first, long count) {
        clean.drop(first, count);
    }

    /**
     * After a checkpoint: blocks nothing changed since they were frozen leave the cache (their home
     * is current); a kept home copy becomes the bytes written there.
     */
    void checkpointed(Map<Long, Frozen> frozen) {
        for (Map.Entry<Long, Frozen> e : frozen.entrySet()) {
            clean.replace(e.getKey(), e.getValue().data());
            Buf c = cache.get(e.getKey());
            if (c == null) {
                continue;
            }
            synchronized (c) {
                if (c.version != e.getValue().version()) {
                    continue;
                }
                c.detached = true;
            }
            // A change finding it detached meanwhile tries again until it is gone, then reads it from home.
            cache.remove(c);
        }
    }

    /** {@return how many blocks the cache holds} (changed and not yet home). */
    int cached() {
        return cache.size();
    }

    void zero(long block, long count) throws FsException {
        check(block, "zeroing");
        check(block + count - 1, "zeroing");
        device.zero(block * bs, count * bs);
        clean.drop(block, count);
    }
}
