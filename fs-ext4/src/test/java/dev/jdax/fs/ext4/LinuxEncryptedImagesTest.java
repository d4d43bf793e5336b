package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Encrypted directories the Linux 6.1 kernel made itself ({@code src/test/oracle/make-encrypt-image.sh
 * OUTDIR}, which boots the kernel, so it is not part of the build), checked here when
 * {@code -Djdax.encryptImages=OUTDIR} names them: without the key jdax lists the no-key names Linux
 * listed (dirhashes included), finds each, reports the sizes and links Linux reported, gives the
 * no-key symlink targets Linux gave, refuses what Linux refuses with ENOKEY, unlinks a no-key name,
 * and leaves the image e2fsck -fn clean. Skipped otherwise.
 */
class LinuxEncryptedImagesTest {
    @TempDir
    Path tmp;

    /** output.txt cut at its "@@" lines: section name to lines. */
    private static Map<String, List<String>> sections(Path output) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> cur = null;
        for (String line : Files.readAllLines(output)) {
            if (line.startsWith("@@")) {
                cur = new ArrayList<>();
                out.put(line.substring(2), cur);
            } else if (cur != null) {
                cur.add(line);
            }
        }
        return out;
    }

    private static String jdaxPath(String linux) {
        String p = linux.replaceFirst("^/mnt", "");
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    @Test
    void jdaxShowsWhatLinuxShowsWithoutTheKey() throws Exception {
        String dir = System.getProperty("jdax.encryptImages");
        assumeTrue(dir != null, "no -Djdax.encryptImages=DIR (made by src/test/oracle/make-encrypt-image.sh)");
        Map<String, List<String>> linux = sections(Path.of(dir, "linux-out", "output.txt"));
        Path img = Files.copy(Path.of(dir, "encrypt.img"), tmp.resolve("e.img"));
        int listed = 0;
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            for (Map.Entry<String, List<String>> s : linux.entrySet()) {
                if (!s.getKey().startsWith("ls ")) {
                    continue;
                }
                String path = jdaxPath(s.getKey().substring(3));
                TreeSet<String> want = new TreeSet<>(s.getValue());
                want.removeAll(List.of(".", ".."));
                TreeSet<String> got = new TreeSet<>();
                for (DirEntry e : fs.readdir(fs.resolve(path, true))) {
                    if (e.name().equals(".") || e.name().equals("..")) {
                        continue;
                    }
                    got.add(e.name());
                    fs.lookup(fs.resolve(path, true), e.name());
                }
                assertEquals(want, got, "readdir " + path);
                listed += got.size();
            }
            for (String line : linux.get("stat")) {
                // NAME TYPE... SIZE BLOCKS LINKS, the type one or two words ("regular empty file": three).
                String[] w = line.split(" ");
                StatInfo st = fs.stat(jdaxPath(w[0]), false);
                String where = "stat " + w[0];
                assertEquals(Long.parseLong(w[w.length - 3]), st.size(), where + " size");
                assertEquals(Long.parseLong(w[w.length - 2]), st.blocks(), where + " blocks");
                assertEquals(Long.parseLong(w[w.length - 1]), st.nlink(), where + " links");
                assertEquals(StatInfo.STATX_ATTR_ENCRYPTED, st.attributes() & StatInfo.STATX_ATTR_ENCRYPTED, where + " STATX_ATTR_ENCRYPTED");
            }
            for (String line : linux.get("readlink")) {
                String[] w = line.split(" -> ");
                assertEquals(w[1], fs.readlink(fs.resolve(jdaxPath(w[0]), false)), "readlink " + w[0]);
            }
            long enc = fs.resolve("/enc", true);
            String file = null;
            for (String line : linux.get("stat")) {
                if (line.contains(" regular file ") && line.startsWith("/mnt/enc/") && line.chars().filter(c -> c == '/').count() == 3) {
                    file = jdaxPath(line.split(" ")[0]);
                }
            }
            String aFile = file;
            // Linux's answers, from its "@@errors" section: every one ENOKEY but the plain-name lookup.
            List<String> errors = linux.get("errors");
            assertFalse(errors.isEmpty());
            noKey("cat", errors, () -> fs.open(aFile, OpenFlags.O_RDONLY).close());
            noKey("touch", errors, () -> fs.open("/enc/newfile", OpenFlags.O_RDWR | OpenFlags.O_CREAT).close());
            noKey("mkdir", errors, () -> fs.mkdir(enc, "newdir", 0755, 0, 0));
            noKey("symlink", errors, () -> fs.symlink(enc, "newlink", "x", 0, 0));
            noKey("link", errors, () -> fs.link(fs.resolve("/plain/file", false), enc, "hard"));
            long enc2 = fs.resolve("/enc2", true);
            String first = fs.readdir(enc2).stream().map(DirEntry::name).filter(n -> !n.startsWith(".")).findFirst().orElseThrow();
            noKey("rename-out", errors, () -> fs.rename(enc2, first, fs.resolve("/plain", true), "moved", 0));
            FsException e = assertThrows(FsException.class, () -> fs.lookup(enc, "no-such-name"));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals(1, errors.stream().filter(l -> l.startsWith("lookup-plain rc=1 No such file or directory")).count());
            // Unlinking a no-key name works without the key, as Linux's "unlink rc=0" says.
            fs.unlink(enc2, first);
            assertEquals(1, fs.readdir(enc2).stream().filter(n -> !n.name().startsWith(".")).count());
        }
        System.out.printf("%d no-key names read and looked up as Linux 6.1 listed them%n", listed);
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), "e2fsck -fn after jdax's mount and unlink:\n" + fsck.output());
    }

    /**
     * An encrypted directory that is also casefolded (make-encrypt-casefold-image.sh OUTDIR, checked
     * with {@code -Djdax.encryptCasefoldImages=OUTDIR}): its records carry the SipHash of each
     * plaintext name, which the no-key names take; jdax lists them as Linux did, finds each and
     * unlinks one, e2fsck -fn clean after.
     */
    @Test
    void anEncryptedCasefoldedDirectoryListsItsStoredHashes() throws Exception {
        String dir = System.getProperty("jdax.encryptCasefoldImages");
        assumeTrue(dir != null, "no -Djdax.encryptCasefoldImages=DIR (made by src/test/oracle/make-encrypt-casefold-image.sh)");
        TreeSet<String> want = new TreeSet<>(sections(Path.of(dir, "linux-out", "output.txt")).get("ls /mnt/cf"));
        assertEquals(300, want.size());
        Path img = Files.copy(Path.of(dir, "encf.img"), tmp.resolve("cf.img"));
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            long cf = fs.resolve("/cf", true);
            TreeSet<String> got = new TreeSet<>();
            for (DirEntry e : fs.readdir(cf)) {
                if (!e.name().equals(".") && !e.name().equals("..")) {
                    got.add(e.name());
                    fs.lookup(cf, e.name());
                }
            }
            assertEquals(want, got, "readdir /cf");
            fs.unlink(cf, want.first());
            FsException e = assertThrows(FsException.class, () -> fs.lookup(cf, want.first()));
            assertEquals(Errno.ENOENT, e.errno());
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), "e2fsck -fn after jdax's unlink:\n" + fsck.output());
    }

    private static void noKey(String what, List<String> linux, Executable op) {
        assertEquals(1, linux.stream().filter(l -> l.startsWith(what + " rc=1 Required key not available")).count(),
                "Linux answered " + what + " with ENOKEY");
        FsException e = assertThrows(FsException.class, op, what);
        assertEquals(Errno.ENOKEY, e.errno(), what + ": " + e.getMessage());
    }
}
