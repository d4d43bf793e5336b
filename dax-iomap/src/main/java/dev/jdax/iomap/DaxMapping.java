package dev.jdax.iomap;

import com.carrotsearch.hppc.LongLongHashMap;
import com.carrotsearch.hppc.LongObjectHashMap;
import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.DaxWindow;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;
import dev.jdax.api.PageView;
import dev.jdax.api.SigBusException;
import dev.jdax.api.SigSegvException;
import dev.jdax.api.fs.FileMapping;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shared mapping of a DAX file ({@code dax_iomap_fault}): its page table maps the device's own
 * memory, faulted a PMD (2 MiB) at a time where the file, the mapping and the extent allow it, a
 * page at a time otherwise; read faults over holes map the shared zero page. Entries from read
 * faults are read-only, so the first store faults again for writing ({@code MKWRITE}). A fault
 * holds the address space's entry lock of its index from the iomap lookup to the install.
 */
final class DaxMapping implements FileMapping {
    /** Emulated user addresses: PMD-aligned per mapping so PMD faults are possible. */
    private static final AtomicLong NEXT_ADDRESS = new AtomicLong(0x7f00_0000_0000L);
    private static final long PAGE = DaxMount.PAGE;
    private static final long PMD = DaxMount.PMD;
    private static final long PMD_PAGES = PMD / PAGE;

    /** One page-table entry: the page's memory, its device address (or -1 for the zero page). */
    private record Entry(MemorySegment page, long deviceAddr, boolean writable, boolean pmd) {
    }

    private final AddressSpace space;
    private final DaxInodeOps ops;
    private final long fileOffset;
    /** Changed by {@link #mremap} only, under this object's monitor; read without it by faults. */
    private volatile long length;
    private final int prot;
    private final int flags;
    private volatile long address;
    /** Where the address range reserved for this mapping ends: it grows in place up to here. */
    private long reservedEnd;
    private final LongObjectHashMap<Entry> entries = new LongObjectHashMap<>();
    /**
     * The pages stores went to since their last write-back, and the device address of each: the
     * dirty mark Linux keeps in the file's mapping entry, so it outlives the page-table entry
     * (madvise, mremap's shrink) until msync or fsync writes the page back.
     */
    private final LongLongHashMap dirty = new LongLongHashMap();
    /** Views made by {@link #view}: stores through them are not seen, so every page counts as dirty. */
    private final List<MappingView> views = new CopyOnWriteArrayList<>();
    private final List<Runnable> onClose = new ArrayList<>();
    private boolean closed;

    DaxMapping(AddressSpace space, long fileOffset, long length, int prot, int flags) {
        this.space = space;
        this.ops = space.ops();
        this.fileOffset = fileOffset;
        this.length = length;
        this.prot = prot;
        this.flags = flags;
        long base = reserve(length);
        // vaddr - file offset must be PMD aligned for a PMD fault (Linux checks the same colour).
        this.address = base + (fileOffset % PMD);
        this.reservedEnd = base + span(length);
    }

    /** The emulated address space a mapping of {@code length} bytes takes: whole PMDs, and one to spare. */
    private static long span(long length) {
        return (length + PMD - 1) / PMD * PMD + PMD;
    }

    /** A fresh, PMD-aligned range of emulated addresses for {@code length} bytes. */
    private static long reserve(long length) {
        return NEXT_ADDRESS.getAndAdd(span(length));
    }

    @Override
    public long fileOffset() {
        return fileOffset;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public int prot() {
        return prot;
    }

    @Override
    public int flags() {
        return flags;
    }

    @Override
    public long address() {
        return address;
    }

    @Override
    public byte getByte(long offset) {
        MemorySegment page = pageFor(offset, false);
        return page.get(ValueLayout.JAVA_BYTE, (fileOffset + offset) % PAGE);
    }

    @Override
    public void putByte(long offset, byte value) {
        MemorySegment page = pageFor(offset, true);
        page.set(ValueLayout.JAVA_BYTE, (fileOffset + offset) % PAGE, value);
    }

    @Override
    public void read(long offset, MemorySegment dst, long dstOffset, long len) {
        long done = 0;
        while (done < len) {
            long at = offset + done;
            long inPage = Math.min(len - done, PAGE - (fileOffset + at) % PAGE);
            MemorySegment page = pageFor(at, false);
            MemorySegment.copy(page, (fileOffset + at) % PAGE, dst, dstOffset + done, inPage);
            done += inPage;
        }
    }

    @Override
    public void write(long offset, MemorySegment src, long srcOffset, long len) {
        long done = 0;
        while (done < len) {
            long at = offset + done;
            long inPage = Math.min(len - done, PAGE - (fileOffset + at) % PAGE);
            MemorySegment page = pageFor(at, true);
            MemorySegment.copy(src, srcOffset + done, page, (fileOffset + at) % PAGE, inPage);
            done += inPage;
        }
    }

    @Override
    public MemorySegment view(long offset, long len, Arena arena) throws FsException {
        if (offset < 0 || len <= 0 || offset + len > length || (fileOffset + offset) % PAGE != 0) {
            throw FsException.of(dev.jdax.api.Errno.EINVAL, "view %d+%d of a %d-byte mapping (page aligned start)",
                    offset, len, length);
        }
        boolean write = (prot & PROT_WRITE) != 0;
        long first = (fileOffset + offset) / PAGE;
        long[] pages = new long[Math.toIntExact((len + PAGE - 1) / PAGE)];
        // Truncate and fallocate stay out until the view is listed where they will find it.
        try (AddressSpace.Guard g = space.lockForFault()) {
            for (int i = 0; i < pages.length; i++) {
                pages[i] = viewPage(offset + i * PAGE, first + i, write);
            }
            MappingView[] made = new MappingView[1];
            PageView v = space.mount().device().mapPages(pages, write, arena, () -> {
                views.remove(made[0]);
                close();
            });
            made[0] = new MappingView(first, pages, v, write);
            views.add(made[0]);
            recheckHoles(made[0], first, pages);
            return v.segment().asSlice(0, len);
        }
    }

    /**
     * A write that allocated under a page this view saw as a hole before the view was listed did
     * not find the view: look again, under each such page's entry lock. A write from now on finds
     * the view listed.
     */
    private void recheckHoles(MappingView view, long first, long[] pages) throws FsException {
        for (int i = 0; i < pages.length; i++) {
            if (pages[i] != PageView.ZERO) {
                continue;
            }
            long index = first + i;
            space.entries().lock(index);
            try {
                Iomap map = space.begin(index * PAGE, PAGE, IomapOps.REPORT);
                try {
                    if (map.type() == IomapType.MAPPED) {
                        view.replaceZeros(index, index + 1, map);
                    }
                } finally {
                    space.end(index * PAGE, PAGE, 0, IomapOps.REPORT, map);
                }
            } finally {
                space.entries().unlock(index);
            }
        }
    }

    /** What page {@code pgoff} of a new view is: faulted as a process's access would fault it. */
    private long viewPage(long offset, long pgoff, boolean write) {
        Entry e;
        try {
            e = entryFor(offset, write, true);
        } catch (SigBusException x) {
            return PageView.NONE; // the view faults where a process would get SIGBUS
        }
        return e.deviceAddr() < 0 ? PageView.ZERO : e.deviceAddr() / PAGE;
    }

    /** The page under {@code offset}, faulting it in (for writing when {@code write}). */
    private MemorySegment pageFor(long offset, boolean write) {
        return entryFor(offset, write, false).page();
    }

    /**
     * The page-table entry under {@code offset}, faulting it in (for writing when {@code write});
     * {@code invalidateHeld}: the caller holds the invalidate lock shared already (a view being built).
     */
    private Entry entryFor(long offset, boolean write, boolean invalidateHeld) {
        boolean gone;
        synchronized (this) {
            gone = closed;
        }
        if (gone || offset < 0 || offset >= length) {
            throw new SigSegvException(address + offset, gone ? "mapping was unmapped" : "outside the mapping");
        }
        if (write && (prot & PROT_WRITE) == 0) {
            throw new SigSegvException(address + offset, "store to a read-only mapping");
        }
        if (!write && (prot & PROT_READ) == 0) {
            throw new SigSegvException(address + offset, "load from a PROT_NONE mapping");
        }
        long pgoff = (fileOffset + offset) / PAGE;
        Entry e;
        synchronized (this) {
            e = entries.get(pgoff);
        }
        if (e == null || (write && !e.writable())) {
            if (write) {
                writeFaultTimes();
            }
            if (invalidateHeld) {
                e = fault(offset, pgoff, write);
            } else {
                try (AddressSpace.Guard g = space.lockForFault()) {
                    e = fault(offset, pgoff, write);
                }
            }
        }
        if (write) {
            synchronized (this) {
                dirty.put(pgoff, e.deviceAddr());
            }
        }
        return e;
    }

    /**
     * The write fault's {@code file_update_time}, before the fault takes its locks as the
     * personalities' fault handlers call it: a store through a mapping changes mtime and ctime as a
     * write does (once per tick, and again only when the page was cleaned and write-protected).
     * Its error is the fault handler's to drop, as Linux's drop file_update_time's.
     */
    private void writeFaultTimes() {
        try {
            space.written(0);
        } catch (FsException e) {
            // the store goes on; the times stay as they were
        }
    }

    /** {@code dax_iomap_fault}, with the invalidate lock held shared (a shared hold is never taken twice). */
    private Entry fault(long offset, long pgoff, boolean write) {
        try {
            long pos = pgoff * PAGE;
            long size = space.size();
            if (pos >= (size + PAGE - 1) / PAGE * PAGE) {
                throw new SigBusException(address + offset, pos, SigBusException.BUS_ADRERR, "page beyond EOF (" + size + ")");
            }
            Entry pmd = tryPmd(pos, size, write);
            if (pmd != null) {
                return pmd;
            }
            space.entries().lock(pgoff);
            try {
                return faultPte(offset, pos, write);
            } finally {
                space.entries().unlock(pgoff);
            }
        } catch (FsException e) {
            throw new SigBusException(address + offset, pgoff * PAGE, SigBusException.BUS_ADRERR, e.describe());
        }
    }

    /** {@code dax_iomap_pmd_fault}: null means fall back to a PTE fault, the reason counted. */
    private Entry tryPmd(long pos, long size, boolean write) throws FsException {
        EngineCounters c = space.mount().engineCounters();
        long start = pos / PMD * PMD;
        String reason = null;
        if (!ops.isDax()) {
            reason = "file is not DAX (page cache)";
        } else if (!ops.hugeFaults()) {
            reason = "no huge_fault (fs/ext2)";
        } else if (start < fileOffset || start + PMD > fileOffset + length) {
            reason = "mapping does not cover the 2 MiB range";
        } else if (start + PMD > (size + PAGE - 1) / PAGE * PAGE) {
            reason = "2 MiB range crosses EOF";
        } else if (!pmdColoured(address)) {
            reason = "mapping address not 2 MiB aligned with the file offset";
        }
        if (reason != null) {
            c.pmdFallback(reason);
            return null;
        }
        long pmdIndex = start / PMD;
        space.entries().lockPmd(pmdIndex);
        try {
            Iomap map = space.begin(start, PMD, IomapOps.FAULT | (write ? IomapOps.WRITE : 0));
            try {
                boolean whole = map.offset() <= start && map.end() >= start + PMD;
                if (!whole && map.has(Iomap.F_NEW) && map.type() == IomapType.MAPPED) {
                    // Allocated for the PMD attempt but not used by it: new blocks must never show old data.
                    map.device().zeroData(map.addr(), map.length());
                }
                boolean readHole = !write && (map.type() == IomapType.HOLE || map.type() == IomapType.UNWRITTEN);
                if (!whole) {
                    reason = map.type() == IomapType.HOLE ? "hole size unknown" : "extent shorter than 2 MiB";
                } else if (readHole) {
                    c.pmdFaults.increment();
                    c.zeroPageFaults.increment();
                    return install(pos / PAGE, start, space.mount().zeroPmd(), -1, false, true);
                } else if (map.type() != IomapType.MAPPED) {
                    reason = "not mapped for writing";
                } else if (map.addrOf(start) % PMD != 0) {
                    reason = "extent not 2 MiB aligned";
                } else {
                    Entry e = installPmd(map, start, pos, write, c);
                    if (e != null) {
                        return e;
                    }
                    reason = "media error under the range";
                }
            } finally {
                space.end(start, PMD, 0, IomapOps.FAULT, map);
            }
        } finally {
            space.entries().unlockPmd(pmdIndex);
        }
        c.pmdFallback(reason);
        return null;
    }

    private Entry installPmd(Iomap map, long start, long pos, boolean write, EngineCounters c) throws FsException {
        DaxDevice dev = map.device();
        long addr = map.addrOf(start);
        DaxWindow w;
        try {
            w = dev.directAccess(addr / PAGE, PMD_PAGES, DaxAccessMode.ACCESS);
        } catch (FsException e) {
            return null;
        }
        if (w.segment().byteSize() < PMD) {
            return null;
        }
        if (map.has(Iomap.F_NEW)) {
            dev.zeroData(addr, PMD);
            c.writeFaultAllocations.increment();
            unmapOthers(start, PMD, map);
        } else if (map.has(Iomap.F_COW)) {
            space.copiedOnWrite(map);
        }
        c.pmdFaults.increment();
        syncFault(map, write);
        return install(pos / PAGE, start, w.segment().asSlice(0, PMD), addr, write, true);
    }

    private Entry faultPte(long offset, long pos, boolean write) throws FsException {
        EngineCounters c = space.mount().engineCounters();
        Iomap map = space.begin(pos, PAGE, IomapOps.FAULT | (write ? IomapOps.WRITE : 0));
        try {
            c.pteFaults.increment();
            if (!write && (map.type() == IomapType.HOLE || map.type() == IomapType.UNWRITTEN)) {
                c.zeroPageFaults.increment();
                return install(pos / PAGE, pos, space.mount().zeroPage(), -1, false, false);
            }
            if (map.type() != IomapType.MAPPED) {
                throw new SigBusException(address + offset, pos, SigBusException.BUS_ADRERR, "fault got " + map);
            }
            long addr = map.addrOf(pos);
            DaxWindow w;
            try {
                w = map.device().directAccess(addr / PAGE, 1, DaxAccessMode.ACCESS);
            } catch (FsException e) {
                throw new SigBusException(address + offset, pos, SigBusException.BUS_ADRERR, e.describe());
            }
            if (map.has(Iomap.F_NEW)) {
                map.device().zeroData(addr, PAGE);
                c.writeFaultAllocations.increment();
                // Every mapping of the file forgets its zero-page entry here (dax_insert_entry's unmap).
                unmapOthers(pos, PAGE, map);
            } else if (map.has(Iomap.F_COW)) {
                space.copiedOnWrite(map);
            }
            syncFault(map, write);
            return install(pos / PAGE, pos, w.segment().asSlice(0, PAGE), addr, write, false);
        } finally {
            space.end(pos, PAGE, 0, IomapOps.FAULT, map);
        }
    }

    /** A write fault allocated {@code [pos, pos + len)}: every mapping's zero page there goes, views show the block. */
    private void unmapOthers(long pos, long len, Iomap map) throws FsException {
        for (DaxMapping m : space.mappings()) {
            m.replaceHole(pos / PAGE, (pos + len) / PAGE, map);
        }
    }

    /** {@code dax_finish_sync_fault}: under MAP_SYNC, the metadata of a write fault is durable before the store. */
    private void syncFault(Iomap map, boolean write) throws FsException {
        if (write && (flags & MAP_SYNC) != 0 && (map.has(Iomap.F_DIRTY) || map.has(Iomap.F_NEW))) {
            ops.commit(true);
        }
    }

    private synchronized Entry install(long faulting, long pos, MemorySegment memory, long deviceAddr, boolean writable, boolean pmd) {
        long first = pos / PAGE;
        long pages = memory.byteSize() / PAGE;
        // An mremap that moved the mapping to another colour while this fault ran: the pages are
        // still the right ones, but only as page entries, which is what Linux's move would leave.
        boolean huge = pmd && pmdColoured(address);
        for (long i = 0; i < pages; i++) {
            entries.put(first + i, new Entry(memory.asSlice(i * PAGE, PAGE), deviceAddr < 0 ? -1 : deviceAddr + i * PAGE,
                    writable, huge));
        }
        return entries.get(faulting);
    }

    /** Whether a mapping at {@code at} puts file offsets and addresses at the same offset in a PMD. */
    private boolean pmdColoured(long at) {
        return Math.floorMod(at - fileOffset, PMD) == 0;
    }

    /**
     * Pages {@code [from, to)} of the file were a hole and have blocks now ({@code map}): zero-page
     * entries go, and views that showed the zero page show the blocks. The caller holds the entry
     * locks of the range.
     */
    void replaceHole(long from, long to, Iomap map) throws FsException {
        dropHoleEntries(from, to);
        for (MappingView v : views) {
            v.replaceZeros(from, to, map);
        }
    }

    /**
     * File pages {@code [from, to)} were copied on write into the blocks of {@code map}: every entry
     * there goes (a PMD touching the range whole), and views show the new blocks.
     */
    void replaceCopied(long from, long to, Iomap map) throws FsException {
        synchronized (this) {
            zap(from, to);
        }
        for (MappingView v : views) {
            v.replaceMapped(from, to, map);
        }
    }

    private void dropHoleEntries(long from, long to) {
        synchronized (this) {
            long[] keys = entries.keys().toArray();
            for (long k : keys) {
                Entry e = entries.get(k);
                if (e.deviceAddr() < 0) {
                    long lo = e.pmd() ? k / PMD_PAGES * PMD_PAGES : k;
                    long hi = e.pmd() ? lo + PMD_PAGES : k + 1;
                    if (lo < to && hi > from) {
                        entries.remove(k);
                    }
                }
            }
        }
    }

    /**
     * Forgets the entries over {@code [offset, offset + length)} of the file, PMD entries whole, and
     * the range's dirty marks: its blocks are about to be freed or moved (Linux deletes the mapping
     * entries, dirty or not, in truncate_pagecache_range).
     */
    void unmap(long offset, long len) {
        long first = offset / PAGE;
        long last = len == Long.MAX_VALUE || offset + len < 0 ? Long.MAX_VALUE : (offset + len + PAGE - 1) / PAGE;
        synchronized (this) {
            zap(first, last);
            dirty.removeAll((long k) -> k >= first && k < last);
        }
        for (MappingView v : views) {
            v.revoke(first, last);
        }
    }

    /** Whether entry {@code e} at page {@code k} lies (wholly, for a PMD, or in part) in pages {@code [first, last)}. */
    private static boolean covers(long k, Entry e, long first, long last) {
        long lo = e.pmd() ? k / PMD_PAGES * PMD_PAGES : k;
        long hi = e.pmd() ? lo + PMD_PAGES : k + 1;
        return lo < last && hi > first;
    }

    /**
     * zap_page_range: the page-table entries over file pages {@code [first, last)} go (a PMD whole,
     * as Linux clears a DAX PMD it would have to split); the file keeps its data, and the dirty
     * marks stay for msync and fsync, as they stay in Linux's mapping entries.
     */
    private synchronized void zap(long first, long last) {
        long[] keys = entries.keys().toArray();
        for (long k : keys) {
            if (covers(k, entries.get(k), first, last)) {
                entries.remove(k);
            }
        }
    }

    /** The mapping's own pages {@code [offset, offset + length)}, in file pages, checked as mincore, madvise and msync check them. */
    private long[] pages(String call, long offset, long len) throws FsException {
        if (offset < 0 || len < 0 || (fileOffset + offset) % PAGE != 0) {
            throw FsException.of(Errno.EINVAL, "%s at %d length %d of a mapping at file offset %d (page aligned start)",
                    call, offset, len, fileOffset);
        }
        long first = (fileOffset + offset) / PAGE;
        long last = (fileOffset + offset + len + PAGE - 1) / PAGE;
        synchronized (this) {
            if (closed || last > (fileOffset + length + PAGE - 1) / PAGE) {
                throw FsException.of(Errno.ENOMEM, "%s at %d length %d: %s", call, offset, len,
                        closed ? "the mapping was unmapped" : "beyond the mapping's " + length + " bytes");
            }
        }
        return new long[] {first, last};
    }

    @Override
    public BitSet mincore(long offset, long len) throws FsException {
        long[] r = pages("mincore", offset, len);
        BitSet resident = new BitSet();
        synchronized (this) {
            for (long k = r[0]; k < r[1]; k++) {
                if (entries.containsKey(k)) {
                    resident.set(Math.toIntExact(k - r[0]));
                }
            }
        }
        return resident;
    }

    @Override
    public void madvise(long offset, long len, int advice) throws FsException {
        if (advice < MADV_NORMAL || advice > MADV_DONTNEED) {
            throw FsException.of(Errno.EINVAL, "madvise advice %d", advice);
        }
        long[] r = pages("madvise", offset, len);
        // The readahead advice has nothing to act on without a page cache, and madvise_willneed
        // ignores DAX files: only DONTNEED changes anything.
        if (advice == MADV_DONTNEED) {
            zap(r[0], r[1]);
        }
    }

    @Override
    public void mremap(long newLength, int mflags, long newAddress) throws FsException {
        boolean fixed = (mflags & MREMAP_FIXED) != 0;
        boolean mayMove = (mflags & MREMAP_MAYMOVE) != 0;
        if ((mflags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) != 0 || newLength <= 0 || fileOffset > Long.MAX_VALUE - newLength - PAGE
                || (fixed && (!mayMove || newAddress % PAGE != 0))) {
            throw FsException.of(Errno.EINVAL, "mremap to %d bytes, flags 0x%x, address 0x%x", newLength, mflags, newAddress);
        }
        long newEnd = (fileOffset + newLength + PAGE - 1) / PAGE;
        long oldEnd;
        synchronized (this) {
            if (closed) {
                throw FsException.of(Errno.EFAULT, "mremap of a mapping that was unmapped");
            }
            oldEnd = (fileOffset + length + PAGE - 1) / PAGE;
            if (fixed) {
                moveTo(newAddress, newAddress + newLength);
            } else if (newLength > length && address + newLength > reservedEnd) {
                if (!mayMove) {
                    throw FsException.of(Errno.ENOMEM, "mremap from %d to %d bytes: the addresses after the mapping are taken",
                            length, newLength);
                }
                long base = reserve(newLength);
                moveTo(base + fileOffset % PMD, base + span(newLength));
            }
            if (newEnd < oldEnd) {
                zap(newEnd, oldEnd);
            }
            length = newLength;
        }
        if (newEnd < oldEnd) {
            for (MappingView v : views) {
                v.revoke(newEnd, oldEnd);
            }
        }
    }

    /**
     * The entries move with the mapping (move_page_tables); at an address of another colour a PMD
     * cannot stay one, and a DAX PMD that Linux would split is cleared instead.
     */
    private void moveTo(long at, long end) {
        if (!pmdColoured(at)) {
            entries.removeAll((long k, Entry e) -> e.pmd());
        }
        address = at;
        reservedEnd = end;
    }

    /** After a change of {@code [offset, offset + length)}: views map what a refault would find. */
    void refaultViews(long offset, long len) throws FsException {
        if (views.isEmpty()) {
            return;
        }
        long first = offset / PAGE;
        long last = len == Long.MAX_VALUE || offset + len < 0 ? Long.MAX_VALUE : (offset + len + PAGE - 1) / PAGE;
        long eofPage = (space.size() + PAGE - 1) / PAGE;
        for (MappingView v : views) {
            long from = Math.max(first, v.first());
            long to = Math.min(Math.min(last, v.end()), eofPage);
            long cur = from;
            while (cur < to) {
                Iomap map = space.begin(cur * PAGE, (to - cur) * PAGE, IomapOps.REPORT);
                if (v.writable() && map.has(Iomap.F_SHARED)) {
                    // A writable view stores without faulting: it takes the blocks as a write fault
                    // would, copied on write (blocks a remap just shared).
                    space.end(cur * PAGE, map.length(), 0, IomapOps.REPORT, map);
                    map = space.begin(cur * PAGE, (to - cur) * PAGE, IomapOps.WRITE | IomapOps.FAULT);
                    if (map.has(Iomap.F_COW)) {
                        space.copiedOnWrite(map);   // other views that took the old blocks show the new
                    }
                }
                long end = Math.min(to, (map.end() + PAGE - 1) / PAGE);
                try {
                    v.refault(cur, end, map, space.mount().device());
                } finally {
                    space.end(cur * PAGE, (end - cur) * PAGE, 0, IomapOps.REPORT, map);
                }
                if (end <= cur) {
                    break;
                }
                cur = end;
            }
        }
    }

    @Override
    public void msync(long offset, long len) throws FsException {
        long[] r = pages("msync", offset, len);
        writeBack(r[0], r[1]);
        ops.commit(true);
        space.mount().device().fence();
    }

    /** Writes back the pages of file pages {@code [first, last)} this mapping dirtied (fsync's, msync's part). */
    void writeBack(long first, long last) throws FsException {
        DaxDevice dev = space.mount().device();
        synchronized (this) {
            for (var c : dirty) {
                if (c.key >= first && c.key < last) {
                    dev.flush(c.value, PAGE);
                }
            }
            dirty.removeAll((long k) -> k >= first && k < last);
        }
        for (MappingView v : views) {
            v.flush(dev, first, last);
        }
    }

    @Override
    public void onClose(Runnable action) {
        boolean now;
        synchronized (this) {
            now = closed;
            if (!now) {
                onClose.add(action);
            }
        }
        if (now) {
            action.run();
        }
    }

    @Override
    public void close() {
        List<Runnable> run;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            entries.clear();
            run = List.copyOf(onClose);
            onClose.clear();
        }
        space.removeMapping(this);
        run.forEach(Runnable::run);
    }
}
