package dev.jdax.fs.xfs;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.*;

/** jdax's mkfs makes what mkfs.xfs 6.1 makes by default: xfs_repair -n is silent, xfs_db reads it, and so do we. */
class JavaMkfsPassesXfsRepairTest {
    @TempDir
    Path tmp;

    @Test
    void freshFileSystemIsCleanAndHasMkfsDefaults() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("jdax.img");
        UUID uuid = UUID.fromString("6a5e0001-0000-4000-8000-000000000001");
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsFileSystemType type = new XfsFileSystemType();
            type.mkfs(dev, MkfsOptions.defaults().withUuid(uuid));
            assertTrue(type.probe(dev).orElseThrow().contains("finobt reflink inobtcount ftype sparse bigtime"),
                    type.probe(dev).orElseThrow());
            try (FileSystem fs = Vfs.mount(type, dev, MountOptions.none())) {
                assertEquals(128, fs.rootIno());
                assertEquals(2, fs.readdir(fs.rootIno()).size(), "only . and ..");
                assertEquals(3, fs.statfs().files() - fs.statfs().ffree(), "root, rbmino, rsumino in use");
                assertEquals(76800 - 16384, fs.statfs().blocks(), "the log is not counted");
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        String sb = XfsImages.db(img, "sb 0", "print features_ro_compat features_incompat uuid agcount logblocks").output();
        assertTrue(sb.contains("features_ro_compat = 0xd") && sb.contains("features_incompat = 0xb")
                && sb.contains(uuid.toString()) && sb.contains("agcount = 4") && sb.contains("logblocks = 16384"), sb);
    }

    @Test
    void writesOnAJavaMadeFileSystemStayClean() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("jdax.img");
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsFileSystemType type = new XfsFileSystemType();
            type.mkfs(dev, MkfsOptions.defaults());
            try (FileSystem fs = Vfs.mount(type, dev, MountOptions.none())) {
                long d = fs.mkdir(fs.rootIno(), "dir", 0755, 0, 0);
                for (int i = 0; i < 700; i++) {          // more than the first chunk's 61 free inodes
                    fs.create(d, "file" + i, 0644, 0, 0);
                }
                fs.symlink(d, "link", "z".repeat(5000 % 1000 + 300), 0, 0);
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        assertTrue(XfsImages.db(img, "ls /dir").output().contains("file699"));
    }
}
