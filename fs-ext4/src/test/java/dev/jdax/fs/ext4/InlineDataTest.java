package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * inline_data as mke2fs -d writes it (files up to the inode's room, directories, symlinks): read from
 * the inode; converted to blocks before a change, as Linux converts data that outgrows the inode;
 * DAX as Linux 6.1 decides it (measured: an inline file is never DAX and FS_XFLAG_DAX on it is
 * EOPNOTSUPP; a file converted keeps the DAX state it was loaded with). e2fsck -fn judges it all.
 */
class InlineDataTest {
    @TempDir
    Path tmp;

    private static boolean inline(FileSystem fs, String path) throws FsException {
        return InlineData.has(WhiteBox.format(fs).iget(fs.resolve(path, false)));
    }

    @Test
    void inlineFilesDirectoriesAndLinksAreReadThenConvertedBeforeAChange() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("tree/small"));
        byte[] hundred = Tools.randomFile(root.resolve("hundred"), 100, 1);
        byte[] tiny = Tools.randomFile(root.resolve("tiny"), 7, 2);
        Tools.randomFile(root.resolve("big"), 9000, 3);
        Files.createSymbolicLink(root.resolve("link"), Path.of("x".repeat(70)));
        Path img = tmp.resolve("i.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-O", "inline_data", "-d", tmp.resolve("tree").toString(),
                img.toString(), "32M");
        assertEquals(0, mk.status(), mk.output());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax=inode"))) {
            assertTrue(inline(fs, "/small") && inline(fs, "/small/hundred") && inline(fs, "/small/tiny"), "mke2fs made them inline");
            Set<String> names = new TreeSet<>();
            for (DirEntry e : fs.readdir(fs.resolve("/small", true))) {
                names.add(e.name());
            }
            assertEquals(Set.of(".", "..", "hundred", "tiny", "big", "link"), names);
            assertEquals(fs.rootIno(), fs.lookup(fs.resolve("/small", true), ".."));
            assertEquals("x".repeat(70), fs.readlink(fs.resolve("/small/link", false)));
            try (OpenFile f = fs.open("/small/hundred", OpenFlags.O_RDONLY)) {
                byte[] got = new byte[200];
                assertEquals(100, f.read(0, got, 0, 200));
                assertArrayEquals(hundred, java.util.Arrays.copyOf(got, 100));
                assertEquals(0, f.stat().attributes() & StatInfo.STATX_ATTR_DAX, "inline: never DAX");
                var extents = f.fiemap(0, Long.MAX_VALUE);
                assertEquals(1, extents.size(), extents.toString());
                assertEquals(dev.jdax.api.fs.FiemapExtent.DATA_INLINE | dev.jdax.api.fs.FiemapExtent.NOT_ALIGNED
                        | dev.jdax.api.fs.FiemapExtent.LAST, extents.get(0).flags(), "one inline extent, as ext4_inline_data_fiemap");
                assertEquals(100, extents.get(0).length());
                assertEquals(Errno.EOPNOTSUPP, assertThrows(FsException.class, () -> f.setDaxFlag(true)).errno());
                assertEquals(Errno.EOPNOTSUPP, assertThrows(FsException.class, () -> f.mmap(0, 4096, FileMapping.PROT_READ,
                        FileMapping.MAP_SHARED)).errno());
            }
            try (OpenFile f = fs.open("/small/tiny", OpenFlags.O_RDWR)) {
                assertFalse(inline(fs, "/small/tiny"), "a writable open converts it");
                byte[] got = new byte[7];
                f.read(0, got, 0, 7);
                assertArrayEquals(tiny, got);
                f.write(7, new byte[5000], 0, 5000);
                assertEquals(0, f.stat().attributes() & StatInfo.STATX_ATTR_DAX, "the DAX state it was loaded with");
                f.setDaxFlag(true);
            }
            fs.create(fs.resolve("/small", true), "new", 0644, 0, 0);
            assertFalse(inline(fs, "/small"), "a new name converts the directory");
            assertEquals(7, fs.readdir(fs.resolve("/small", true)).size());
            assertEquals(fs.rootIno(), fs.lookup(fs.resolve("/small", true), ".."));
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("dax=inode"));
             OpenFile f = fs.open("/small/tiny", OpenFlags.O_RDONLY)) {
            assertTrue((f.stat().attributes() & StatInfo.STATX_ATTR_DAX) != 0, "FS_XFLAG_DAX in force once loaded again");
            assertEquals(5007, f.size());
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        assertArrayEquals(hundred, Tools.runBytes("debugfs", "-R", "cat /small/hundred", img.toString()));
    }
}
