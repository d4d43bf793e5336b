package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ext4 casefold (mke2fs -O casefold, utf8-12.1, strict): a directory with EXT4_CASEFOLD_FL, made by
 * mke2fs -d and hashed by e2fsck -D over the folded names, is read through its index whatever the
 * case of the name asked; names that fold alike are one name (EEXIST); new names keep their case,
 * and the index jdax grows hashes folded names, which e2fsck 1.47 checks; a directory outside keeps
 * comparing bytes. Judged by e2fsck -fn and debugfs ls.
 */
class CasefoldTest {
    @TempDir
    Path tmp;

    private static String given(int i) {
        return "Größe-" + i + "-Ärger.TXT";
    }

    private Path image() throws Exception {
        Path tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("cf"));
        for (int i = 1; i <= 300; i++) {
            Files.writeString(tree.resolve("cf").resolve(given(i)), "" + i);
        }
        Files.writeString(tree.resolve("README"), "root");
        Path img = tmp.resolve("cf.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-b", "4096", "-O", "casefold", "-E", "encoding_flags=strict",
                "-d", tree.toString(), img.toString(), "64M");
        assertEquals(0, mk.status(), mk.output());
        // chattr +F needs a kernel: the flag set by debugfs, then e2fsck -D indexes the directory with folded hashes.
        assertEquals(0, Tools.run("debugfs", "-w", "-R", "set_inode_field cf flags 0x40080000", img.toString()).status());
        Tools.run("e2fsck", "-fyD", img.toString());
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        assertTrue(Tools.run("debugfs", "-R", "stat cf", img.toString()).output().contains("Flags: 0x40081000"));
        return img;
    }

    @Test
    void namesFoldInACasefoldedDirectoryAndKeepTheirCase() throws Exception {
        Path img = image();
        Set<String> model = new TreeSet<>(Set.of(".", ".."));
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            assertFalse(fs.readOnly());
            long cf = fs.lookup(fs.rootIno(), "cf");
            for (int i = 1; i <= 300; i++) {
                model.add(given(i));
                long ino = fs.lookup(cf, given(i));
                // ß folds to "ss", Ä to a + U+0308: every spelling below is the same name.
                assertEquals(ino, fs.lookup(cf, "GRÖSSE-" + i + "-ärger.txt"));
                assertEquals(ino, fs.lookup(cf, "gro\u0308sse-" + i + "-A\u0308RGER.txt"));
            }
            FsException exists = assertThrows(FsException.class, () -> fs.create(cf, "grösse-7-ärger.txt", 0644, 0, 0));
            assertEquals(Errno.EEXIST, exists.errno());
            // A lookup that missed leaves no dentry that a later name of another case would contradict.
            assertThrows(FsException.class, () -> fs.lookup(cf, "NEW-NAME"));
            fs.create(cf, "New-Name", 0644, 0, 0);
            model.add("New-Name");
            assertEquals(fs.lookup(cf, "New-Name"), fs.lookup(cf, "NEW-NAME"));
            // Enough names to split leaves: the index grows by the folded hashes.
            for (int i = 0; i < 2000; i++) {
                String n = "Zusätzlich-" + i + "-STRASSE";
                fs.create(cf, n, 0644, 0, 0);
                model.add(n);
            }
            for (int i = 0; i < 2000; i += 3) {
                int k = i;
                fs.unlink(cf, "zusätzlich-" + k + "-straße");
                model.remove("Zusätzlich-" + k + "-STRASSE");
                assertThrows(FsException.class, () -> fs.lookup(cf, "Zusätzlich-" + k + "-STRASSE"));
            }
            for (int i = 1; i < 2000; i += 3) {
                assertEquals(fs.lookup(cf, "Zusätzlich-" + i + "-STRASSE"), fs.lookup(cf, "ZUSÄTZLICH-" + i + "-strasse"));
            }
            // Four threads create the same names in four spellings: exactly one create of each name wins.
            java.util.concurrent.atomic.AtomicInteger won = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger eexist = new java.util.concurrent.atomic.AtomicInteger();
            String[] spelling = {"Race-%d-Ä", "RACE-%d-ä", "race-%d-A\u0308", "rAcE-%d-a\u0308"};
            java.util.List<Thread> threads = new java.util.ArrayList<>();
            for (String form : spelling) {
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 300; i++) {
                        try {
                            fs.create(cf, String.format(form, i), 0644, 0, 0);
                            won.incrementAndGet();
                        } catch (FsException e) {
                            assertEquals(Errno.EEXIST, e.errno(), e.getMessage());
                            eexist.incrementAndGet();
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(300, won.get());
            assertEquals(900, eexist.get());
            Set<String> races = new TreeSet<>();
            for (DirEntry e : fs.readdir(cf)) {
                if (e.name().toLowerCase(java.util.Locale.ROOT).startsWith("race-")) {
                    races.add(e.name());
                    model.add(e.name());
                }
            }
            assertEquals(300, races.size());
            long sub = fs.mkdir(cf, "Sub", 0755, 0, 0);
            model.add("Sub");
            fs.create(sub, "Inner", 0644, 0, 0);
            assertEquals(fs.lookup(sub, "Inner"), fs.lookup(fs.lookup(cf, "SUB"), "INNER"), "a new directory inherits EXT4_CASEFOLD_FL");
            FsException strict = assertThrows(FsException.class, () -> fs.create(cf, "bad\ud800name", 0644, 0, 0));
            assertEquals(Errno.EINVAL, strict.errno());
            Set<String> listed = new TreeSet<>();
            for (DirEntry e : fs.readdir(cf)) {
                listed.add(e.name());
            }
            Set<String> missing = new TreeSet<>(model);
            missing.removeAll(listed);
            listed.removeAll(model);
            assertEquals(Set.of(), missing, "readdir shows the names as they were given");
            assertEquals(Set.of(), listed, "readdir shows no other names");
            // Outside a casefolded directory names are bytes, even on a casefold file system.
            long lower = fs.create(fs.rootIno(), "readme", 0644, 0, 0);
            assertNotEquals(lower, fs.lookup(fs.rootIno(), "README"));
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        String ls = Tools.run("debugfs", "-R", "ls cf", img.toString()).output();
        assertTrue(ls.contains(" New-Name ") && ls.contains(debugfs("Zusätzlich-1-STRASSE")) && ls.contains(debugfs(given(7))), ls);
        assertFalse(ls.contains("-strasse") || ls.contains("NEW-NAME"), ls);
    }

    /** A name as debugfs ls prints it: bytes above 0x7f as {@code \xNN}. */
    private static String debugfs(String name) {
        StringBuilder out = new StringBuilder();
        for (byte b : name.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            out.append(b < 0 ? String.format("\\x%02x", b & 0xff) : String.valueOf((char) b));
        }
        return out.toString();
    }

    @Test
    void foldingFollowsUtf8Casefold() {
        assertEquals("strasse", Casefold.fold("STRAßE"));
        assertEquals("readme-1_x.txt", new String(Casefold.fold("README-1_x.TXT".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                java.nio.charset.StandardCharsets.UTF_8));
        // The Kelvin sign folds to ASCII k; ASCII K folds to k as well.
        assertEquals("k", Casefold.fold("\u212a"));
        assertEquals("k", Casefold.fold("K"));
        assertEquals("a\u0308", Casefold.fold("\u00c4"));
        assertEquals("ab", Casefold.fold("A\u200dB"),
                "default-ignorable code points are dropped: Linux 6.1 finds a\u200db as ab (oracle/measured/jdax-casefold-linux-6.1.txt)");
        assertEquals(null, Casefold.fold(new byte[] {(byte) 0xc3, 0x28}), "not UTF-8: no folding");
    }
}
