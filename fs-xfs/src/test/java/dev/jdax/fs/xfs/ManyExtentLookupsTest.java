package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A file of hundreds of extents read block by block more often than it has extents, so that its
 * lookups move to the flat index part way; then changed (the list replaced, its index with it) and
 * read again. Every block must read as written, holes as zeros, before and after each change.
 */
class ManyExtentLookupsTest {
    @TempDir
    Path tmp;

    @Test
    void readsStayRightAcrossTheIndexAndTheChangesThatDropIt() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, null);
        int blocks = 600;
        byte[] model = new byte[blocks];       // the first byte of each block; 0: hole
        try (DaxDevice dev = XfsImages.load(img)) {
            try (FileSystem fs = Vfs.mount(new XfsFileSystemType(), dev, MountOptions.none());
                 OpenFile f = fs.open("/frag", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                readAndChange(f, model, blocks);
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
    }

    /**
     * Every other block written (300 extents); then four rounds of three passes of block reads (the
     * engine's mapping cache holds the file's 600 answers after a pass, so each round's first pass
     * asks the personality: 600 lookups of a list of 300, the index made half way) and a change
     * that fills a hole (the list replaced).
     */
    private static void readAndChange(OpenFile f, byte[] model, int blocks) throws Exception {
        for (int b = 0; b < blocks; b += 2) {
            model[b] = (byte) (1 + b % 251);
            f.write(b * 4096L, new byte[] {model[b]}, 0, 1);
        }
        byte[] one = new byte[1];
        for (int round = 0; round < 4; round++) {
            for (int pass = 0; pass < 3; pass++) {
                for (int b = 0; b < blocks; b++) {
                    one[0] = 0;
                    f.read(b * 4096L, one, 0, 1);
                    assertEquals(model[b], one[0], "round " + round + ", pass " + pass + ", block " + b);
                }
            }
            int hole = 2 * round + 1;
            model[hole] = (byte) (100 + round);
            f.write(hole * 4096L, new byte[] {model[hole]}, 0, 1);
        }
    }
}
