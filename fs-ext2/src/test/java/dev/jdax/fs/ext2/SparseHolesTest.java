package dev.jdax.fs.ext2;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FiemapExtent;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hole under a missing indirect block is answered whole: fiemap over a file of 1 TiB with one
 * block at its end asks get_block a few times, not once for each of its 268 million blocks (Linux's
 * ext2 asks block by block; what is found is the same).
 */
class SparseHolesTest {
    @Test
    void fiemapOverATebibyteHoleAsksGetBlockAFewTimes() throws Exception {
        try (DaxDevice d = PmemDevices.memory(64 << 20)) {
            new Ext2FileSystemType().mkfs(d, MkfsOptions.defaults().withBlockSize(4096));
            try (FileSystem fs = Vfs.mount(new Ext2FileSystemType(), d, MountOptions.parse("dax"))) {
                long tib = 1L << 40;
                byte[] data = new byte[4096];
                Arrays.fill(data, (byte) 0x5a);
                try (OpenFile f = fs.open("/sparse", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                    f.write(tib - 4096, data, 0, data.length);
                    f.write(8192, data, 0, data.length);
                    long before = fs.counters().getBlockCalls();
                    List<FiemapExtent> extents = f.fiemap(0, tib);
                    long asked = fs.counters().getBlockCalls() - before;
                    assertEquals(2, extents.size(), extents.toString());
                    assertEquals(8192, extents.get(0).logical());
                    assertEquals(tib - 4096, extents.get(1).logical());
                    assertTrue((extents.get(1).flags() & FiemapExtent.LAST) != 0, extents.toString());
                    assertTrue(asked < 5_000, "get_block asked " + asked + " times");

                    byte[] back = new byte[3 * 4096];
                    f.read(tib - 3 * 4096, back, 0, back.length);
                    assertArrayEquals(new byte[2 * 4096], Arrays.copyOf(back, 2 * 4096), "the hole reads as zeros");
                    assertArrayEquals(data, Arrays.copyOfRange(back, 2 * 4096, 3 * 4096));
                    f.write(tib / 2, data, 0, data.length); // into the hole: allocates the indirect blocks
                    assertEquals(3, f.fiemap(0, tib).size());
                }
            }
        }
    }
}
