package dev.jdax.cli.corrupt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Crafted cases: the block pointers of the files the write workload writes, found in the metadata
 * by their value, each pointed at another file's data, at metadata and beyond the device. These are
 * the images a random word rarely makes and an attacker makes first: a write through the file must
 * be refused or land elsewhere, never in what the pointer now names.
 *
 * <p>ext2/ext4 pointers are little-endian 32-bit block numbers (i_block, ee_start_lo); XFS packs the
 * start block into bits 21..63 of a bmbt record's second big-endian word, as an AG-relative fsbno.
 */
final class Redirects {
    private static final int BLOCK = 4096;
    private static final long XFS_START_MASK = (1L << 43) - 1;

    private final String type;
    private final MemorySegment image;
    private final List<Integer> metadata;
    private final Reseal reseal;

    Redirects(String type, MemorySegment image, List<Integer> metadata, Reseal reseal) {
        this.type = type;
        this.image = image;
        this.metadata = metadata;
        this.reseal = reseal;
    }

    /**
     * The cases for each file's first data block ({@code firsts}: path to device block), aimed at
     * {@code guardedBlock} (another file's data), two metadata blocks and past the device's end;
     * each once as it is and, where the format checksums the structure holding the pointer, once
     * more with that checksum re-sealed (else the checksum alone refuses it).
     */
    List<Mutation> cases(Map<String, Long> firsts, long guardedBlock, int firstNumber) {
        long deviceBlocks = image.byteSize() / BLOCK;
        long[] targets = {guardedBlock, metadata.get(0), metadata.get(metadata.size() / 2), deviceBlocks + 10};
        String[] names = {"another file's data", "metadata block " + metadata.get(0),
                "metadata block " + metadata.get(metadata.size() / 2), "past the device"};
        List<Mutation> out = new ArrayList<>();
        for (var e : firsts.entrySet()) {
            for (long at : pointersTo(e.getValue())) {
                for (int t = 0; t < targets.length; t++) {
                    String note = e.getKey() + "'s block " + e.getValue() + " -> " + names[t];
                    out.add(redirect(firstNumber + out.size(), Mutation.Kind.REDIRECT, at, targets[t], note));
                    var sealed = reseal.structureAt(at);
                    if (sealed.isPresent()) {
                        out.add(redirect(firstNumber + out.size(), Mutation.Kind.REDIRECT_SEALED, at, targets[t],
                                note + ", " + sealed.get()));
                    }
                }
            }
        }
        return out;
    }

    private Mutation redirect(int number, Mutation.Kind kind, long at, long target, String note) {
        return type.equals("xfs")
                ? new Mutation(number, kind, at, xfsRedirect(image.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at), target),
                        8, ByteOrder.BIG_ENDIAN, note)
                : new Mutation(number, kind, at, target, 4, ByteOrder.LITTLE_ENDIAN, note);
    }

    /** Device offsets in metadata blocks of the words that name device block {@code block}. */
    private List<Long> pointersTo(long block) {
        List<Long> out = new ArrayList<>();
        boolean xfs = type.equals("xfs");
        long want = xfs ? xfsFsbno(block) : block;
        for (int m : metadata) {
            for (int off = 0; off < BLOCK; off += xfs ? 8 : 4) {
                long at = (long) m * BLOCK + off;
                boolean hit = xfs
                        ? ((image.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at) >>> 21) & XFS_START_MASK) == want
                        && (image.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), at) & 0x1FFFFF) != 0
                        : (image.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at) & 0xffffffffL) == want;
                if (hit) {
                    out.add(at);
                }
            }
        }
        return out;
    }

    private long xfsRedirect(long word, long targetBlock) {
        return (word & ~(XFS_START_MASK << 21)) | ((xfsFsbno(targetBlock) & XFS_START_MASK) << 21);
    }

    /** A device block as XFS names it: AG number shifted by sb_agblklog, or'ed with the block in the AG. */
    private long xfsFsbno(long block) {
        long agblocks = image.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN), 84) & 0xffffffffL;
        int agblklog = image.get(ValueLayout.JAVA_BYTE, 124) & 0xff;
        return ((block / agblocks) << agblklog) | (block % agblocks);
    }
}
