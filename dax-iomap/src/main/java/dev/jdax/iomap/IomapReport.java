package dev.jdax.iomap;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;
import dev.jdax.api.fs.FiemapExtent;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code IomapOps.REPORT} answers are for: FIEMAP ({@code iomap_fiemap}: one extent per mapped
 * or unwritten iomap, the last one flagged LAST) and SEEK_DATA / SEEK_HOLE ({@code iomap_seek_data},
 * {@code iomap_seek_hole}: without a page cache, an unwritten extent is a hole).
 */
final class IomapReport {
    private IomapReport() {
    }

    /** Reports {@code [start, limit)}; {@code limit} is where the walk stops (EOF or the last allocation). */
    static List<FiemapExtent> fiemap(AddressSpace space, long start, long limit) throws FsException {
        List<FiemapExtent> out = new ArrayList<>();
        long cur = start;
        while (cur < limit) {
            Iomap map = space.begin(cur, limit - cur, IomapOps.REPORT);
            long n = map.end() - cur;
            if (n <= 0) {
                break;
            }
            if (map.type() == IomapType.MAPPED || map.type() == IomapType.UNWRITTEN || map.type() == IomapType.DELALLOC) {
                int flags = 0;
                flags |= map.type() == IomapType.UNWRITTEN ? FiemapExtent.UNWRITTEN : 0;
                flags |= map.type() == IomapType.DELALLOC ? FiemapExtent.DELALLOC | FiemapExtent.UNKNOWN : 0;
                flags |= map.has(Iomap.F_MERGED) ? FiemapExtent.MERGED : 0;
                flags |= map.has(Iomap.F_SHARED) ? FiemapExtent.SHARED : 0;
                long phys = map.type() == IomapType.DELALLOC ? 0 : map.addrOf(map.offset());
                out.add(new FiemapExtent(map.offset(), phys, map.length(), flags));
            } else if (map.type() == IomapType.INLINE) {
                // iomap_to_fiemap and fiemap_fill_next_extent: the data's address in its metadata
                // block, not aligned to a block.
                out.add(new FiemapExtent(map.offset(), map.addr(), map.length(),
                        FiemapExtent.DATA_INLINE | FiemapExtent.NOT_ALIGNED));
            }
            space.end(cur, n, 0, IomapOps.REPORT, map);
            cur = map.end();
        }
        if (!out.isEmpty()) {
            FiemapExtent last = out.removeLast();
            out.add(new FiemapExtent(last.logical(), last.physical(), last.length(), last.flags() | FiemapExtent.LAST));
        }
        return out;
    }

    static long seekData(AddressSpace space, long offset, long size) throws FsException {
        if (offset < 0 || offset >= size) {
            throw FsException.of(Errno.ENXIO, "SEEK_DATA at %d: beyond EOF (%d)", offset, size);
        }
        long cur = offset;
        while (cur < size) {
            Iomap map = space.begin(cur, size - cur, IomapOps.REPORT);
            space.end(cur, map.end() - cur, 0, IomapOps.REPORT, map);
            if (map.type() == IomapType.MAPPED || map.type() == IomapType.DELALLOC || map.type() == IomapType.INLINE) {
                return cur;
            }
            cur = map.end();
        }
        throw FsException.of(Errno.ENXIO, "SEEK_DATA at %d: no data before EOF (%d)", offset, size);
    }

    static long seekHole(AddressSpace space, long offset, long size) throws FsException {
        if (offset < 0 || offset >= size) {
            throw FsException.of(Errno.ENXIO, "SEEK_HOLE at %d: beyond EOF (%d)", offset, size);
        }
        long cur = offset;
        while (cur < size) {
            Iomap map = space.begin(cur, size - cur, IomapOps.REPORT);
            space.end(cur, map.end() - cur, 0, IomapOps.REPORT, map);
            if (map.type() == IomapType.HOLE || map.type() == IomapType.UNWRITTEN) {
                return cur;
            }
            cur = map.end();
        }
        return size;
    }
}
