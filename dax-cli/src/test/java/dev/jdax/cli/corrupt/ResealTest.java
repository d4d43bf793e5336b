package dev.jdax.cli.corrupt;

import dev.jdax.cli.HostTool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The campaign's own checksum code against the real mkfs: re-sealing an untouched inode of an image
 * mke2fs or mkfs.xfs wrote must give back the checksum they stored, and a changed inode a new one.
 */
class ResealTest {
    private static final int BLOCK = 4096;

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void resealingAnUntouchedInodeGivesTheChecksumMkfsStored(String type, @TempDir Path dir) throws Exception {
        Optional<HostTool> mkfs = HostTool.find(type.equals("xfs") ? "mkfs.xfs" : "mke2fs");
        assumeTrue(mkfs.isPresent(), "mkfs for " + type + " is not installed");
        Path image = dir.resolve("img");
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(type.equals("xfs") ? 320L << 20 : 64L << 20);   // mkfs.xfs wants 300 MiB at least
        }
        HostTool.Result made = type.equals("xfs")
                ? mkfs.get().run("-q", "-f", image.toString())
                : mkfs.get().run("-q", "-F", "-t", "ext4", "-b", "4096", "-O", "metadata_csum", image.toString());
        assertTrue(made.status() == 0, made.output());
        MemorySegment img = MemorySegment.ofArray(Files.readAllBytes(image));
        Reseal reseal = new Reseal(type, img);
        int step = type.equals("xfs") ? 512 : 256;
        int sealed = 0;
        for (long off = 0; off < img.byteSize() && sealed < 64; off += step) {
            boolean inUse = type.equals("xfs") || img.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), off) != 0;
            if (!inUse || reseal.structureAt(off + 0x28).isEmpty()) {
                continue;
            }
            long blockNo = off / BLOCK;
            byte[] block = img.asSlice(blockNo * BLOCK, BLOCK).toArray(ValueLayout.JAVA_BYTE);
            byte[] resealed = block.clone();
            assertTrue(reseal.seal(resealed, blockNo, off + 0x28));
            assertArrayEquals(block, resealed, type + ": structure at offset " + off + " " + reseal.structureAt(off + 0x28).get());
            resealed[(int) (off % BLOCK) + 0x28 + 8] ^= 1;   // a changed word gets a changed checksum
            assertTrue(reseal.seal(resealed, blockNo, off + 0x28));
            assertNotEquals(java.util.Arrays.toString(block), java.util.Arrays.toString(resealed));
            sealed++;
        }
        assertTrue(sealed >= 3, type + ": only " + sealed + " inodes found to re-seal");
    }
}
