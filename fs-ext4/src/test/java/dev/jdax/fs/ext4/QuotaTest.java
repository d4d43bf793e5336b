package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quota files of -O quota,project kept true on every change: files of 40 owners (more entries
 * than one quota block holds, so the tree grows), chown moving usage, unlinks giving it back;
 * e2fsck -fn compares every id's usage with what it counts itself, and debugfs' list_quota reads
 * the usage jdax wrote.
 */
class QuotaTest {
    @TempDir
    Path tmp;

    @Test
    void everyOwnersUsageIsWhatE2fsckCounts() throws Exception {
        Path img = tmp.resolve("q.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256", "-O", "quota,project", img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long dir = fs.mkdir(fs.rootIno(), "home", 0755, 0, 0);
            for (int uid = 1000; uid < 1040; uid++) {
                long ino = fs.create(dir, "f" + uid, 0644, uid, 100 + uid % 3);
                try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                    f.write(0, new byte[(uid - 999) * 4096], 0, (uid - 999) * 4096);
                }
            }
            fs.setattr(fs.lookup(dir, "f1005"), new SetAttr(null, 2000, null, null, null));
            fs.unlink(dir, "f1010");
            fs.unlink(dir, "f1011");
            Quotas q = WhiteBox.format(fs).quotas();
            assertEquals(8 * 4096, q.usage(0, 1007)[0]);
            assertEquals(0, q.usage(0, 1010)[1], "an unlinked file's inode is given back");
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        String users = Tools.run("debugfs", "-R", "lq user", img.toString()).output();
        assertEquals("24576 1", usage(users, 2000), "f1005's 6 blocks moved to uid 2000 by chown");
        assertEquals("0 0", usage(users, 1005));
        assertEquals("163840 1", usage(users, 1039));
        String groups = Tools.run("debugfs", "-R", "lq group", img.toString()).output();
        assertTrue(groups.contains(" 101 ") || groups.contains("101 "), groups);
    }

    @Test
    void aProjectDirectoryPassesItsProjectToWhatIsMadeInIt() throws Exception {
        Path img = tmp.resolve("p.img");
        assertEquals(0, Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-I", "256", "-O", "quota,project", img.toString(), "32M").status());
        Path cmds = java.nio.file.Files.writeString(tmp.resolve("cmds"),
                "mkdir proj\nset_inode_field /proj projid 7\nset_inode_field /proj flags 0x20080000\n");
        assertEquals(0, Tools.run("debugfs", "-w", "-f", cmds.toString(), img.toString()).status());
        Tools.run("e2fsck", "-fy", img.toString()); // debugfs leaves the quota files behind: e2fsck brings them up to date
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long proj = fs.resolve("/proj", true);
            long sub = fs.mkdir(proj, "sub", 0755, 0, 0);
            try (OpenFile f = fs.open(fs.create(sub, "data", 0644, 0, 0), OpenFlags.O_RDWR)) {
                f.write(0, new byte[20_000], 0, 20_000);
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        String projects = Tools.run("debugfs", "-R", "lq project", img.toString()).output();
        // /proj (1 block), /proj/sub (1 block) and its 20,000-byte file (20 blocks of 1 KiB): 22 blocks, 3 inodes.
        assertEquals((22 * 1024) + " 3", usage(projects, 7), projects);
    }

    private static String usage(String listing, int id) {
        Matcher m = Pattern.compile("(?m)^\\s*" + id + "\\s+(\\d+)\\s+\\d+\\s+\\d+\\s+(\\d+)").matcher(listing);
        return m.find() ? m.group(1) + " " + m.group(2) : "0 0";
    }
}
