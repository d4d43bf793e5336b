package dev.jdax.iomap;

import com.carrotsearch.hppc.LongObjectHashMap;
import dev.jdax.api.DaxAccessMode;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.DaxWindow;
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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shared mapping of a DAX file ({@code dax_iomap_fault}): page entries map the device's own memory,
 * faulted a PMD (2 MiB) at a time where the file, the mapping and the extent allow it, a page at a
 * time otherwise; read faults over holes map the shared zero page. Entries from read faults are
 * read-only, so the first store faults again for writing ({@code MKWRITE}), as in Linux.
 */
final class DaxMapping implements FileMapping {
    /** Emulated user addresses: PMD-aligned per mapping so PMD faults are possible. */
    private static final AtomicLong NEXT_ADDRESS = new AtomicLong(0x7f00_0000_0000L);
    private static final long PAGE = DaxMount.PAGE;
    private static final long PMD = DaxMount.PMD;

    /** One page-table entry: the page's memory, its device address (or -1 for the zero page). */
    private record Entry(MemorySegment page, long deviceAddr, boolean writable, boolean pmd) {
    }

    /**
     * A view made by {@link #view}: file pages from {@code first}, and the device page each shows
     * (or PageView's codes), which revokes replace with {@link PageView#NONE}.
     */
    private static final class View {
        private final long first;
        private final long[] pages;
        private final PageView view;

        View(long first, long[] pages, PageView view) {
            this.first = first;
            this.pages = pages;
            this.view = view;
        }

        synchronized void revoke(long from, long to) {
            long a = Math.max(from, first);
            long b = Math.min(to, first + pages.length);
            if (a < b) {
                for (long p = a; p < b; p++) {
                    pages[(int) (p - first)] = PageView.NONE;
                }
                view.revoke(a - first, b - a);
            }
        }

        /** Writes back the device pages under file pages {@code [from, to)}: stores through a view are not seen. */
        synchronized void flush(DaxDevice dev, long from, long to) throws FsException {
            for (int i = 0; i < pages.length; i++) {
                long p = pages[i];
                if (p >= 0 && first + i >= from && first + i < to) {
                    dev.flush(p * PAGE, PAGE);
                }
            }
        }
    }

    private final DaxFile file;
    private final AddressSpace space;
    private final long fileOffset;
    private final long length;
    private final int prot;
    private final int flags;
    private final long address;
    private final LongObjectHashMap<Entry> entries = new LongObjectHashMap<>();
    private final LongObjectHashMap<Boolean> dirty = new LongObjectHashMap<>();
    /** Views made by {@link #view}: stores through them are not seen, so every page counts as dirty. */
    private final List<View> views = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    DaxMapping(DaxFile file, AddressSpace space, long fileOffset, long length, int prot, int flags) {
        this.file = file;
        this.space = space;
        this.fileOffset = fileOffset;
        this.length = length;
        this.prot = prot;
        this.flags = flags;
        long span = (length + PMD - 1) / PMD * PMD + PMD;
        // vaddr - file offset must be PMD aligned for a PMD fault (Linux checks the same colour).
        this.address = NEXT_ADDRESS.getAndAdd(span) + (fileOffset % PMD);
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
        return page.get(java.lang.foreign.ValueLayout.JAVA_BYTE, (fileOffset + offset) % PAGE);
    }

    @Override
    public void putByte(long offset, byte value) {
        MemorySegment page = pageFor(offset, true);
        page.set(java.lang.foreign.ValueLayout.JAVA_BYTE, (fileOffset + offset) % PAGE, value);
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
    public MemorySegment segment(long offset, long len) throws FsException {
        checkSegmentRange(offset, len);
        boolean write = (prot & PROT_WRITE) != 0;
        long pages = (len + PAGE - 1) / PAGE;
        long first = -1;
        for (long i = 0; i < pages; i++) {
            pageFor(offset + i * PAGE, write);
            Entry e;
            synchronized (this) {
                e = entries.get((fileOffset + offset) / PAGE + i);
            }
            long addr = e == null ? -1 : e.deviceAddr();
            if (pages == 1 && addr < 0) {
                return e.page().asSlice(0, len);
            }
            if (addr < 0 || (i > 0 && addr != first + i * PAGE)) {
                throw FsException.of(dev.jdax.api.Errno.EOPNOTSUPP,
                        "file range %d+%d is not one extent on the device (page %d %s)", fileOffset + offset, len, i,
                        addr < 0 ? "is a hole" : "is elsewhere");
            }
            if (i == 0) {
                first = addr;
            }
        }
        MemorySegment s = space.mount().device().directAccess(first / PAGE, pages, DaxAccessMode.ACCESS).segment().asSlice(0, len);
        return write ? s : s.asReadOnly();
    }

    private void checkSegmentRange(long offset, long len) throws FsException {
        if (offset < 0 || len <= 0 || offset + len > length || (fileOffset + offset) % PAGE != 0) {
            throw FsException.of(dev.jdax.api.Errno.EINVAL, "segment %d+%d of a %d-byte mapping (page aligned start)",
                    offset, len, length);
        }
    }

    @Override
    public MemorySegment view(long offset, long len, Arena arena) throws FsException {
        checkSegmentRange(offset, len);
        boolean write = (prot & PROT_WRITE) != 0;
        long first = (fileOffset + offset) / PAGE;
        long[] pages = new long[Math.toIntExact((len + PAGE - 1) / PAGE)];
        for (int i = 0; i < pages.length; i++) {
            try {
                pageFor(offset + i * PAGE, write);
            } catch (SigBusException e) {
                pages[i] = PageView.NONE; // the view faults where a process would get SIGBUS
                continue;
            }
            Entry e;
            synchronized (this) {
                e = entries.get(first + i);
            }
            pages[i] = e == null ? PageView.NONE : e.deviceAddr() < 0 ? PageView.ZERO : e.deviceAddr() / PAGE;
        }
        View[] made = new View[1];
        PageView v;
        try {
            v = space.mount().device().mapPages(pages, write, arena, () -> {
                views.remove(made[0]);
                close();
            });
        } catch (FsException e) {
            if (e.errno() == dev.jdax.api.Errno.EOPNOTSUPP) {
                return segment(offset, len);
            }
            throw e;
        }
        made[0] = new View(first, pages, v);
        views.add(made[0]);
        return v.segment().asSlice(0, len);
    }

    @Override
    public MemorySegment faultIn(long offset, boolean write) {
        return pageFor(offset, write);
    }

    /** The page under {@code offset}, faulting it in (for writing when {@code write}). */
    private MemorySegment pageFor(long offset, boolean write) {
        if (closed || offset < 0 || offset >= length) {
            throw new SigSegvException(address + offset, closed ? "mapping was unmapped" : "outside the mapping");
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
            e = fault(offset, pgoff, write);
        }
        if (write) {
            synchronized (this) {
                dirty.put(pgoff, Boolean.TRUE);
            }
        }
        return e.page();
    }

    private Entry fault(long offset, long pgoff, boolean write) {
        try (AddressSpace.Guard g = space.lockForFault()) {
            long pos = pgoff * PAGE;
            long size = space.inode().size();
            if (pos >= (size + PAGE - 1) / PAGE * PAGE) {
                throw new SigBusException(address + offset, pos, SigBusException.BUS_ADRERR, "page beyond EOF (" + size + ")");
            }
            Entry pmd = tryPmd(pos, size, write);
            if (pmd != null) {
                return pmd;
            }
            return faultPte(offset, pos, write);
        } catch (FsException e) {
            throw new SigBusException(address + offset, pgoff * PAGE, SigBusException.BUS_ADRERR, e.describe());
        }
    }

    /** {@code dax_iomap_pmd_fault}: null means fall back to a PTE fault, the reason counted. */
    private Entry tryPmd(long pos, long size, boolean write) throws FsException {
        long pgoff = pos / PAGE;
        EngineCounters c = space.mount().engineCounters();
        long start = pos / PMD * PMD;
        String reason = null;
        if (!file.isDaxForFaults()) {
            reason = "file is not DAX (page cache)";
        } else if (start < fileOffset || start + PMD > fileOffset + length) {
            reason = "mapping does not cover the 2 MiB range";
        } else if (start + PMD > (size + PAGE - 1) / PAGE * PAGE) {
            reason = "2 MiB range crosses EOF";
        }
        if (reason != null) {
            c.pmdFallback(reason);
            return null;
        }
        Iomap map = space.begin(start, PMD, IomapOps.FAULT | (write ? IomapOps.WRITE : 0));
        try {
            boolean whole = map.offset() <= start && map.end() >= start + PMD;
            if (!whole && map.has(Iomap.F_NEW) && map.type() == IomapType.MAPPED) {
                // Allocated for the PMD attempt but not used by it: new blocks must never show old data.
                map.device().zero(map.addr(), map.length());
            }
            boolean readHole = !write && (map.type() == IomapType.HOLE || map.type() == IomapType.UNWRITTEN);
            if (!whole) {
                reason = map.type() == IomapType.HOLE ? "hole size unknown" : "extent shorter than 2 MiB";
            } else if (readHole) {
                c.pmdFaults.increment();
                c.zeroPageFaults.increment();
                return install(pgoff, start, space.mount().zeroPmd(), -1, false, true);
            } else if (map.type() != IomapType.MAPPED) {
                reason = "not mapped for writing";
            } else if (map.addrOf(start) % PMD != 0) {
                reason = "extent not 2 MiB aligned";
            } else {
                DaxDevice dev = map.device();
                long addr = map.addrOf(start);
                DaxWindow w;
                try {
                    w = dev.directAccess(addr / PAGE, PMD / PAGE, DaxAccessMode.ACCESS);
                } catch (FsException e) {
                    c.pmdFallback("media error under the range");
                    return null;
                }
                if (w.segment().byteSize() < PMD) {
                    reason = "device window shorter than 2 MiB";
                } else {
                    if (map.has(Iomap.F_NEW)) {
                        dev.zero(addr, PMD);
                        c.writeFaultAllocations.increment();
                        space.unmapRange(start, PMD);
                    }
                    c.pmdFaults.increment();
                    syncFault(map, write);
                    return install(pgoff, start, w.segment().asSlice(0, PMD), addr, write, true);
                }
            }
        } finally {
            space.end(start, PMD, 0, IomapOps.FAULT, map);
        }
        c.pmdFallback(reason);
        return null;
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
                map.device().zero(addr, PAGE);
                c.writeFaultAllocations.increment();
                // Every mapping of the file forgets its zero-page entry here (dax_insert_entry's unmap).
                space.unmapRange(pos, PAGE);
            }
            syncFault(map, write);
            return install(pos / PAGE, pos, w.segment().asSlice(0, PAGE), addr, write, false);
        } finally {
            space.end(pos, PAGE, 0, IomapOps.FAULT, map);
        }
    }

    /** {@code dax_finish_sync_fault}: under MAP_SYNC, the metadata of a write fault is durable before the store. */
    private void syncFault(Iomap map, boolean write) throws FsException {
        if (write && (flags & MAP_SYNC) != 0 && (map.has(Iomap.F_DIRTY) || map.has(Iomap.F_NEW))) {
            file.commitFromFault();
        }
    }

    private synchronized Entry install(long faulting, long pos, MemorySegment memory, long deviceAddr, boolean writable, boolean pmd) {
        long first = pos / PAGE;
        long pages = memory.byteSize() / PAGE;
        for (long i = 0; i < pages; i++) {
            entries.put(first + i, new Entry(memory.asSlice(i * PAGE, PAGE), deviceAddr < 0 ? -1 : deviceAddr + i * PAGE,
                    writable, pmd));
        }
        return entries.get(faulting);
    }

    /** Forgets the entries over {@code [offset, offset + length)} of the file; PMD entries go whole. */
    synchronized void unmap(long offset, long len) {
        long first = offset / PAGE;
        long last = len == Long.MAX_VALUE || offset + len < 0 ? Long.MAX_VALUE : (offset + len + PAGE - 1) / PAGE;
        long[] keys = entries.keys().toArray();
        for (long k : keys) {
            Entry e = entries.get(k);
            long lo = e.pmd() ? k / (PMD / PAGE) * (PMD / PAGE) : k;
            long hi = e.pmd() ? lo + PMD / PAGE : k + 1;
            if (lo < last && hi > first) {
                entries.remove(k);
            }
        }
        for (View v : views) {
            v.revoke(first, last);
        }
    }

    @Override
    public void msync(long offset, long len) throws FsException {
        DaxDevice dev = space.mount().device();
        long first = (fileOffset + offset) / PAGE;
        long last = (fileOffset + offset + len + PAGE - 1) / PAGE;
        synchronized (this) {
            for (var c : dirty) {
                if (c.key >= first && c.key < last) {
                    Entry e = entries.get(c.key);
                    if (e != null && e.deviceAddr() >= 0) {
                        dev.flush(e.deviceAddr(), PAGE);
                    }
                }
            }
            dirty.removeAll(k -> k >= first && k < last);
        }
        for (View v : views) {
            v.flush(dev, first, last);
        }
        file.commitFromFault();
        dev.fence();
    }

    /** fsync's part: writes back every dirty page of this mapping. */
    synchronized void writeBackDirty() throws FsException {
        DaxDevice dev = space.mount().device();
        for (var c : dirty) {
            Entry e = entries.get(c.key);
            if (e != null && e.deviceAddr() >= 0) {
                dev.flush(e.deviceAddr(), PAGE);
            }
        }
        dirty.clear();
        for (View v : views) {
            v.flush(dev, 0, Long.MAX_VALUE);
        }
    }

    @Override
    public void close() {
        closed = true;
        space.removeMapping(this);
        synchronized (this) {
            entries.clear();
        }
    }
}
