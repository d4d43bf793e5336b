package dev.jdax.iomap;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;

import java.util.concurrent.atomic.LongAdder;

/**
 * The legacy bridge: an {@link IomapOps} over a {@link GetBlock}, as ext2's {@code ext2_iomap_begin}
 * is built over {@code ext2_get_blocks}. Mapped answers carry {@link Iomap#F_MERGED} (they stand for
 * many block pointers); an unmapped answer is a hole of one block, since get_block cannot tell how far
 * a hole reaches — which is why PMD faults over holes fall back here.
 */
public final class GetBlockBridge implements IomapOps {
    private final GetBlock getBlock;
    private final DaxDevice device;
    private final LongAdder calls = new LongAdder();

    /**
     * The bridge over {@code getBlock} for files on {@code device}.
     *
     * @param getBlock the personality's get_block
     * @param device   the device the blocks are on
     */
    public GetBlockBridge(GetBlock getBlock, DaxDevice device) {
        this.getBlock = getBlock;
        this.device = device;
    }

    /** {@return how many times get_block was asked} */
    public long calls() {
        return calls.sum();
    }

    @Override
    public Iomap begin(Inode inode, long pos, long length, int flags) throws FsException {
        int bs = getBlock.blockSize();
        long iblock = pos / bs;
        long lastBlock = (pos + Math.max(length, 1) - 1) / bs;
        int max = (int) Math.min(Integer.MAX_VALUE, lastBlock - iblock + 1);
        boolean create = (flags & IomapOps.WRITE) != 0;
        calls.increment();
        BlockMapping m = getBlock.getBlock(inode, iblock, max, create);
        long start = iblock * bs;
        if (!m.isMapped()) {
            return Iomap.hole(start, (long) Math.max(1, Math.min(m.count(), max)) * bs, device);
        }
        int iflags = Iomap.F_MERGED | (m.has(BlockMapping.NEW) ? Iomap.F_NEW | Iomap.F_DIRTY : 0)
                | (m.has(BlockMapping.BOUNDARY) ? Iomap.F_BOUNDARY : 0);
        IomapType type = m.has(BlockMapping.UNWRITTEN) ? IomapType.UNWRITTEN : IomapType.MAPPED;
        return new Iomap(start, (long) m.count() * bs, type, m.pblock() * bs, iflags, device);
    }
}
