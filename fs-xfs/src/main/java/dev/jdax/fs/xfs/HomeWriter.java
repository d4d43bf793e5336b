package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The AIL push (xfsaild): the committed bytes of cached buffers and inodes written home, and the
 * entries that have nothing left to write leaving the cache.
 */
final class HomeWriter {
    private final XfsDisk disk;
    private final Collection<MetaEntry> bufs;
    private final Collection<MetaEntry> inodes;
    /** Takes a clean entry out of the cache. */
    private final Consumer<MetaEntry> forget;

    HomeWriter(XfsDisk disk, Collection<MetaEntry> bufs, Collection<MetaEntry> inodes, Consumer<MetaEntry> forget) {
        this.disk = disk;
        this.bufs = bufs;
        this.inodes = inodes;
        this.forget = forget;
    }

    /**
     * Every committed buffer and inode written home, then, once that is durable, the clean ones
     * leave the cache — a buffer used since the last push only at the next push that finds it
     * unused (xfs_buf's LRU with b_lru_ref): a directory or btree that a workload keeps changing
     * stays cached, and is not read and verified again after every push. The caller moves the
     * log tail afterwards.
     */
    void push() throws FsException {
        Map<MetaEntry, byte[]> todo = new LinkedHashMap<>();
        for (Collection<MetaEntry> all : List.of(bufs, inodes)) {
            for (MetaEntry e : all) {
                synchronized (e) {
                    if (!e.detached && e.home != null) {
                        todo.put(e, e.home);
                    } else if (!e.inode && e.clean() && !secondChance(e)) {
                        // A clean buffer read and kept (MetaCache#adopt) or written home before.
                        // (A clean inode may be one a new chunk made in the running checkpoint.)
                        e.detached = true;
                        forget.accept(e);
                    }
                }
            }
        }
        for (Map.Entry<MetaEntry, byte[]> t : todo.entrySet()) {
            MetaEntry e = t.getKey();
            long off = e.inode ? disk.inoToByte(e.key) : e.key;
            disk.device().store(off, MemorySegment.ofArray(t.getValue()), 0, e.len);
        }
        disk.device().fence();
        for (Map.Entry<MetaEntry, byte[]> t : todo.entrySet()) {
            MetaEntry e = t.getKey();
            synchronized (e) {
                if (e.home == t.getValue()) {
                    e.home = null;
                }
                if (e.clean() && !secondChance(e)) {
                    e.detached = true;
                    forget.accept(e);
                }
            }
        }
    }

    /** Whether clean entry {@code e} stays for this push, having been used since the last (caller holds its monitor). */
    private static boolean secondChance(MetaEntry e) {
        boolean keep = e.referenced;
        e.referenced = false;
        return keep;
    }

    /** Whether anything committed still waits to go home. */
    boolean pending() {
        for (Collection<MetaEntry> all : List.of(bufs, inodes)) {
            for (MetaEntry e : all) {
                synchronized (e) {
                    if (!e.detached && e.home != null) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
