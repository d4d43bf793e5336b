package dev.jdax.fs.ext4;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A hashed directory's index as one list in hash order: the leaf of every bottom-level entry and the
 * hash it starts at (a node's entry 0, which has none of its own, starts at the hash its parent's
 * entry gives it). A descent ({@code dx_probe}) chooses, level by level, the last entry whose hash
 * is at or below the name's; over the whole list that is the last such entry, and the leaves after
 * it whose hash continues the name's ({@code ext4_htree_next_block}) are the next ones in the list.
 * In a directory of 100,000 names a descent read the root and a node through the journal's buffers
 * and searched each (0.18 us, a rename needing one and a half); a search of this list reads two
 * arrays. Built by {@link DxIndex#flatten} from an index that every descent could use, checked as
 * descents check it; immutable, and dropped with any write of an index block
 * ({@link Ext4Dir#writeRaw}), so lookups that race to build one only build the same.
 *
 * @param version the root's hash version (dx_root_info.hash_version)
 */
record FlatIndex(int version, int[] hashes, int[] leaves) {
    /** Kept for an index that some descent cannot use: each descent then answers for itself, until an index block is written. */
    static final FlatIndex UNUSABLE = new FlatIndex(-1, new int[0], new int[0]);

    /** {@return the index in the list of the leaf a descent for {@code hash} reaches} */
    int find(int hash) {
        int lo = 1;
        int hi = hashes.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Integer.compareUnsigned(hashes[mid], hash) > 0) {
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return lo - 1;
    }

    /** {@return the leaf a descent for {@code hash} reaches} */
    long leafFor(int hash) {
        return leaves[find(hash)] & 0xffffffffL;
    }

    /** {@return the leaves that may hold a name of {@code hash}}: the descent's, then those whose first hash continues it */
    List<Long> leavesFor(int hash) {
        int i = find(hash);
        List<Long> out = new ArrayList<>(2);
        out.add(leaves[i] & 0xffffffffL);
        while (++i < hashes.length && (hashes[i] & ~1) == hash) {
            out.add(leaves[i] & 0xffffffffL);
        }
        return out;
    }

    /** Collects entries in order while a directory's index is walked. */
    static final class Builder {
        private int n;
        private int[] hashes = new int[64];
        private int[] leaves = new int[64];

        void add(int hash, long leaf) {
            if (n == hashes.length) {
                hashes = Arrays.copyOf(hashes, 2 * n);
                leaves = Arrays.copyOf(leaves, 2 * n);
            }
            hashes[n] = hash;
            leaves[n] = (int) leaf;
            n++;
        }

        FlatIndex build(int version) {
            return new FlatIndex(version, Arrays.copyOf(hashes, n), Arrays.copyOf(leaves, n));
        }
    }
}
