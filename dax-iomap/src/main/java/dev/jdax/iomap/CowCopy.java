package dev.jdax.iomap;

import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapType;

/**
 * {@code dax_iomap_cow_copy}: a write over shared blocks gets new blocks and the shared data's
 * address ({@link Iomap#cowPending}); what the write does not cover of the blocks it touches is
 * copied from the shared data, so that the remap in {@code end} gives the file whole blocks.
 */
final class CowCopy {
    private CowCopy() {
    }

    /** The head and tail of the blocks under {@code [from, to)} that the write leaves: copied from the source. */
    static void around(AddressSpace space, Iomap map, long from, long to) throws FsException {
        long bs = space.ops().blockSize();
        long head = from / bs * bs;
        copy(map, head, from - head);
        after(space, map, to);
    }

    /** The rest of the block holding {@code at} (where a write ended), inside the answer: copied from the source. */
    static void after(AddressSpace space, Iomap map, long at) throws FsException {
        long bs = space.ops().blockSize();
        if (at % bs != 0) {
            copy(map, at, Math.min((at / bs + 1) * bs, map.end()) - at);
        }
    }

    /** The whole blocks of {@code map} that {@code [from, to)} reached: what {@code end} remapped. */
    static Iomap reached(AddressSpace space, Iomap map, long from, long to) {
        long bs = space.ops().blockSize();
        long start = from / bs * bs;
        long stop = Math.min((to + bs - 1) / bs * bs, map.end());
        return new Iomap(start, stop - start, IomapType.MAPPED, map.addrOf(start), Iomap.F_COW, map.device());
    }

    private static void copy(Iomap map, long pos, long len) throws FsException {
        if (len > 0) {
            map.device().copyData(map.srcAddrOf(pos), map.addrOf(pos), len);
        }
    }
}
