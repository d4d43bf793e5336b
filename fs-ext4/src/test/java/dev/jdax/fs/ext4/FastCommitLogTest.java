package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast-commit area read as ext4_fc_replay_scan reads it: the tags up to the last tail whose tid
 * and crc32c check out, nothing when the area is stale, and a failed recovery when its first fast
 * commit is broken (Linux refuses that mount too).
 */
class FastCommitLogTest {
    private static final int BS = 1024;
    private static final int TID = 7;

    @Test
    void theTagsUpToTheLastGoodTailAreReplayed() throws FsException {
        FastCommitWriter w = new FastCommitWriter(BS).head(TID).tlv(FastCommitLog.DEL_RANGE, FastCommitWriter.le(12, 0, 5)).tail(TID, false)
                .tlv(FastCommitLog.DEL_RANGE, FastCommitWriter.le(13, 0, 5)).tail(TID, false)
                .tlv(FastCommitLog.DEL_RANGE, FastCommitWriter.le(14, 0, 5)).tail(TID, true);
        w.blocks.add(new byte[BS]);
        List<FastCommitLog.Tag> tags = FastCommitLog.scan(w.blocks, TID, 256);
        assertEquals(List.of("HEAD", "DEL_RANGE", "TAIL", "DEL_RANGE", "TAIL"), tags.stream().map(FastCommitLog.Tag::tagName).toList());
        assertEquals(13, tags.get(3).u32(0), "the second fast commit's range");
    }

    @Test
    void fastCommitsOfAnEarlierTransactionAreNotReplayed() throws FsException {
        FastCommitWriter w = new FastCommitWriter(BS).head(TID - 1).tlv(FastCommitLog.DEL_RANGE, FastCommitWriter.le(12, 0, 5)).tail(TID - 1, false);
        assertTrue(FastCommitLog.scan(w.blocks, TID, 256).isEmpty());
        assertTrue(FastCommitLog.scan(List.of(new byte[BS], new byte[BS]), TID, 256).isEmpty(), "an area never written");
    }

    @Test
    void aTailOfAnotherTransactionEndsTheReplay() throws FsException {
        // The area is reused from its start after each full commit: what follows the new fast commits is stale.
        FastCommitWriter w = new FastCommitWriter(BS).head(TID).tlv(FastCommitLog.DEL_RANGE, FastCommitWriter.le(12, 0, 5)).tail(TID, false)
                .tlv(FastCommitLog.DEL_RANGE, FastCommitWriter.le(13, 0, 5)).tail(TID - 1, false);
        assertEquals(3, FastCommitLog.scan(w.blocks, TID, 256).size());
    }

    @Test
    void aBrokenFirstFastCommitFailsTheRecoveryAsOnLinux() {
        FastCommitWriter w = new FastCommitWriter(BS).head(TID).tlv(FastCommitLog.DEL_RANGE, FastCommitWriter.le(12, 0, 5)).tail(TID, true);
        FsException e = assertThrows(FsException.class, () -> FastCommitLog.scan(w.blocks, TID, 256));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("crc"), e.getMessage());
        FastCommitWriter bad = new FastCommitWriter(BS).head(TID).tlv(FastCommitLog.DEL_RANGE, FastCommitWriter.le(12, 0)).tail(TID, false);
        e = assertThrows(FsException.class, () -> FastCommitLog.scan(bad.blocks, TID, 256));
        assertTrue(e.getMessage().contains("DEL_RANGE of 8 bytes"), e.getMessage());
    }

    @Test
    void recordsPaddedToTheNextBlockAreFound() throws FsException {
        FastCommitWriter w = new FastCommitWriter(BS).head(TID);
        byte[] inode = new byte[4 + 256];
        for (int i = 0; i < 6; i++) {
            ByteBuffer.wrap(inode).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 20 + i);
            w.tlv(FastCommitLog.INODE, inode.clone());
        }
        w.tail(TID, false);
        assertTrue(w.blocks.size() > 1);
        List<FastCommitLog.Tag> tags = FastCommitLog.scan(w.blocks, TID, 256);
        assertEquals(List.of(20L, 21L, 22L, 23L, 24L, 25L),
                tags.stream().filter(t -> t.tag() == FastCommitLog.INODE).map(t -> t.u32(0)).toList());
    }
}
