package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A 1 KiB-block image of 10001 KiB, not a whole number of pages: Linux mounts it read-write
 * (measured with the oracle), and so does jdax, to its last block (in the image's partial last
 * page), e2fsck -fn clean after.
 */
class ImageSizeTest {
    @TempDir
    Path tmp;

    @Test
    void anImageThatIsNotWholePagesIsReadAndWrittenToItsLastBlock() throws Exception {
        Path root = tmp.resolve("tree");
        byte[] data = Tools.randomFile(root.resolve("data"), 300_000, 3);
        Path img = tmp.resolve("odd.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-d", root.toString(), img.toString(), "10001k");
        assertEquals(0, mk.status(), mk.output());
        assertEquals(10001 * 1024L, Files.size(img));
        placeFileInLastBlock(img, "/last", "written by debugfs into block 10000");
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            try (OpenFile f = fs.open("/data", OpenFlags.O_RDONLY)) {
                byte[] got = new byte[data.length];
                assertEquals(data.length, f.read(0, got, 0, got.length));
                assertArrayEquals(data, got);
            }
            try (OpenFile f = fs.open("/last", OpenFlags.O_RDWR)) {
                byte[] got = new byte[35];
                assertEquals(35, f.read(0, got, 0, 35));
                assertEquals("written by debugfs into block 10000", new String(got));
                byte[] mine = "jdax wrote the image's last 1024 bytes".getBytes();
                f.write(0, mine, 0, mine.length);
            }
        }
        assertEquals(10001 * 1024L, Files.size(img), "the image keeps its size");
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        assertEquals("jdax wrote the image's last 1024 bytes", new String(Tools.runBytes("debugfs", "-R", "cat /last", img.toString())));
        assertEquals("jdax wrote the image's last 1024 bytes", new String(Files.readAllBytes(img), 10000 * 1024, 38));
    }

    /** debugfs writes a one-block file into the last block: every other free block is marked used meanwhile. */
    private void placeFileInLastBlock(Path img, String name, String text) throws Exception {
        String free = Tools.run("debugfs", "-R", "ffb 100000 1", img.toString()).output();
        StringBuilder set = new StringBuilder();
        StringBuilder clear = new StringBuilder();
        for (String b : free.substring(free.indexOf(':') + 1).trim().split("\\s+")) {
            if (!b.equals("10000")) {
                set.append("setb ").append(b).append('\n');
                clear.append("freeb ").append(b).append('\n');
            }
        }
        Path local = Files.writeString(tmp.resolve("last.txt"), text);
        Path cmds = Files.writeString(tmp.resolve("cmds"), set + "write " + local + " " + name.substring(1) + "\n" + clear);
        Tools.Result w = Tools.run("debugfs", "-w", "-f", cmds.toString(), img.toString());
        assertEquals(0, w.status(), w.output());
        assertEquals("10000", Tools.run("debugfs", "-R", "bmap " + name + " 0", img.toString()).output().strip()
                .replaceAll("(?s).*\n", ""));
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), "the image as debugfs left it: " + fsck.output());
    }
}
