package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.jdax.fs.xfs.Buf.be32;

/**
 * The walk of a whole short-pointer B+tree that a writable mount makes before it changes one
 * record in place: level by level from the root, every block verified, the sibling chain of
 * each level matching its parents' pointers in order, keys strictly increasing, and each
 * block's keys inside the range its parent's key and the next one allow. What the incremental
 * changes rely on is checked here once, so that they do not meet it broken half-way.
 */
final class BtreeWalk {
    /** The records in key order, and the blocks the tree is made of. */
    record Result(List<byte[]> records, long blocks) {
    }

    private BtreeWalk() {
    }

    static Result walk(ShortBtree tree, XfsDisk disk, long agno) throws FsException {
        AgBtreeKind kind = tree.kind;
        String what = tree.what();
        int levels = tree.levels();
        Corrupt.check(levels >= 1 && levels <= BtreeOp.MAXLEVELS, "%s: %d levels", what, levels);
        List<Long> level = List.of(tree.root());
        List<long[]> bounds = new ArrayList<>();     // per block: [lowest key, key beyond] its parent allows
        bounds.add(new long[]{Long.MIN_VALUE, Long.MAX_VALUE});
        long seen = 0;
        List<byte[]> out = new ArrayList<>();
        int ptrs = BtreeBlock.SHORT_LEN + kind.nodeMax(disk.blockSize()) * kind.keySize;
        for (int l = levels - 1; l >= 0; l--) {
            List<Long> next = new ArrayList<>();
            List<long[]> nextBounds = new ArrayList<>();
            long prevKey = Long.MIN_VALUE;
            int stride = l == 0 ? kind.recSize : kind.keySize;
            for (int i = 0; i < level.size(); i++) {
                long bno = level.get(i);
                Corrupt.check(++seen <= disk.agLength(agno), "%s: more blocks than the AG holds", what);
                byte[] b = tree.readBlock(bno, l);
                long left = i == 0 ? BtreeBlock.NULL_SHORT : level.get(i - 1);
                long right = i == level.size() - 1 ? BtreeBlock.NULL_SHORT : level.get(i + 1);
                Corrupt.check(BtreeBlock.leftShort(b) == left && BtreeBlock.rightShort(b) == right,
                        "%s block %d: siblings %d/%d (want %d/%d)", what, bno, BtreeBlock.leftShort(b),
                        BtreeBlock.rightShort(b), left, right);
                int n = BtreeBlock.numrecs(b);
                Corrupt.check(n >= 1 || levels == 1, "%s block %d: empty", what, bno);
                long[] range = bounds.get(i);
                for (int e = 0; e < n; e++) {
                    int off = BtreeBlock.SHORT_LEN + e * stride;
                    long key = kind.order(b, off);
                    Corrupt.check(key > prevKey && key >= range[0] && key < range[1],
                            "%s block %d: key %d out of order", what, bno, key);
                    prevKey = key;
                    if (l == 0) {
                        out.add(Arrays.copyOfRange(b, off, off + kind.recSize));
                    } else {
                        next.add(be32(b, ptrs + e * 4));
                        long beyond = e + 1 < n ? kind.order(b, off + stride) : range[1];
                        nextBounds.add(new long[]{key, beyond});
                    }
                }
            }
            level = next;
            bounds = nextBounds;
        }
        return new Result(out, seen);
    }
}
