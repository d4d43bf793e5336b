package dev.jdax.fs.xfs;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Lookups through the hash index find every name a directory holds and no other, in each form a
 * directory takes as it grows (shortform, block, leaf, node), before and after half its names go.
 */
class DirLookupTest {
    @ParameterizedTest(name = "{0} names")
    @ValueSource(ints = {3, 60, 400, 5000})
    void everyNameIsFoundAndNoOtherInEachForm(int names) throws Exception {
        XfsFileSystemType type = new XfsFileSystemType();
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            type.mkfs(dev, MkfsOptions.defaults());
            try (FileSystem fs = Vfs.mount(type, dev, MountOptions.none())) {
                long dir = fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
                Map<String, Long> made = new HashMap<>();
                for (int i = 0; i < names; i++) {
                    String name = "entry-" + Integer.toHexString(i * 7919) + "-" + i;
                    made.put(name, fs.create(dir, name, 0644, 0, 0));
                }
                assertAll(fs, dir, made, names);
                int k = 0;
                for (var it = made.entrySet().iterator(); it.hasNext(); k++) {
                    var e = it.next();
                    if (k % 2 == 0) {
                        fs.unlink(dir, e.getKey());
                        it.remove();
                        assertThrows(FsException.class, () -> fs.lookup(dir, e.getKey()), e.getKey() + " was unlinked");
                    }
                }
                assertAll(fs, dir, made, names);
            }
        }
    }

    private static void assertAll(FileSystem fs, long dir, Map<String, Long> made, int names) throws FsException {
        for (var e : made.entrySet()) {
            assertEquals(e.getValue(), fs.lookup(dir, e.getKey()), e.getKey() + " in a directory of " + names);
        }
        assertEquals(fs.rootIno(), fs.lookup(dir, ".."));
        for (String absent : new String[] {"entry-", "absent", "entry-0-1", "x".repeat(255)}) {
            FsException ex = assertThrows(FsException.class, () -> fs.lookup(dir, absent));
            assertEquals(Errno.ENOENT, ex.errno(), ex.getMessage());
        }
    }
}
