package dev.jdax.vfs;

import dev.jdax.api.fs.FileType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** One directory's dentries: names kept in the node or as characters, found where they stand in a path, kinds that never mix. */
class DentriesTest {
    private static VfsInode inode(long ino, FileType type) {
        return new VfsInode(new MemFs.Node(null, ino, type));
    }

    @Test
    void everyKindOfNameIsFoundInPlaceAndNoOtherIs() {
        // Short and long, at the 8- and 16-character seams, Latin-1 and not, one that packs to all
        // ones, and "Aa"/"BB" whose String hashes are equal.
        List<String> names = List.of("a", "name-12345", "12345678", "123456789", "1234567890abcdef", "1234567890abcdefg",
                "grün", "€uro", "\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff", "Aa", "BB", "AaAa", "BBBB", "AaBB");
        Dentries d = new Dentries();
        for (int k = 0; k < names.size(); k++) {
            d.put(names.get(k), inode(k + 10, FileType.REGULAR));
        }
        for (int k = 0; k < names.size(); k++) {
            String name = names.get(k);
            assertEquals(k + 10, d.get(name).ino, name);
            String path = "/dir/" + name + "/more";
            Dentries.Node n = d.node(path, 5, 5 + name.length());
            assertEquals(k + 10, n.dentry().ino, name + " in " + path);
            assertEquals(Dentries.KIND_OTHER, n.kind);
        }
        for (String absent : List.of("", "b", "name-1234", "name-123456", "1234567890abcdeg", "gruen", "€ur", "\u00ff", "aA", "Ab")) {
            assertNull(d.get(absent), absent);
            assertNull(d.node("/" + absent + "/", 1, 1 + absent.length()), absent);
        }
    }

    @Test
    void aChangeOfKindIsANewNodeAndTheOldOneStillSaysTheStateBefore() {
        Dentries d = new Dentries();
        VfsInode file = inode(7, FileType.REGULAR);
        d.put("x", file);
        Dentries.Node before = d.node("x", 0, 1);
        VfsInode other = inode(8, FileType.REGULAR);
        d.put("x", other);
        assertSame(before, d.node("x", 0, 1), "the same kind is changed in place");
        assertSame(other, before.dentry());

        d.put("x", Dentries.NEGATIVE);
        Dentries.Node negative = d.node("x", 0, 1);
        assertNotSame(before, negative);
        assertEquals(Dentries.KIND_NEGATIVE, negative.kind);
        assertSame(Dentries.NEGATIVE, negative.dentry());
        assertEquals(Dentries.KIND_OTHER, before.kind);
        assertSame(other, before.dentry(), "a walk that found the old node sees the old state whole");

        d.put("x", inode(9, FileType.SYMLINK));
        assertEquals(Dentries.KIND_SYMLINK, d.node("x", 0, 1).kind);
        d.put("x", inode(10, FileType.DIRECTORY));
        assertEquals(Dentries.KIND_DIRECTORY, d.node("x", 0, 1).kind);
        d.put("x", new VfsInode(11, false));
        assertEquals(Dentries.KIND_UNKNOWN, d.node("x", 0, 1).kind, "an inode not read yet has no kind to keep");
        assertEquals(1, d.size());
    }

    @Test
    void aNodeInTheMiddleOfAChainIsReplacedWithItsNeighboursKept() {
        Dentries d = new Dentries();
        // Equal String hashes: one bucket, one chain.
        List<String> same = List.of("AaAa", "AaBB", "BBAa", "BBBB");
        for (int k = 0; k < same.size(); k++) {
            d.put(same.get(k), inode(k + 1, FileType.REGULAR));
        }
        d.put("AaBB", inode(20, FileType.DIRECTORY));
        d.put("BBAa", Dentries.NEGATIVE);
        assertEquals(1, d.get("AaAa").ino);
        assertEquals(20, d.get("AaBB").ino);
        assertSame(Dentries.NEGATIVE, d.get("BBAa"));
        assertEquals(4, d.get("BBBB").ino);
        assertEquals(4, d.size());
    }

    @Test
    void aReaderNeverPairsOneDentryWithAnothersKind() throws Exception {
        Dentries d = new Dentries();
        for (int k = 0; k < 64; k++) {
            d.put("n" + k, inode(100 + k, FileType.REGULAR)); // a chain to copy, and tables that grow
        }
        List<VfsInode> states = List.of(inode(1, FileType.REGULAR), inode(2, FileType.DIRECTORY), inode(3, FileType.SYMLINK),
                Dentries.NEGATIVE);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> wrong = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            while (!stop.get()) {
                Dentries.Node n = d.node("/x", 1, 2);
                if (n != null && n.kind != Dentries.kindOf(n.dentry())) {
                    wrong.set("kind " + n.kind + " with inode " + n.dentry().ino);
                }
            }
        });
        reader.start();
        for (int round = 0; round < 200_000; round++) {
            d.put("x", states.get(round % states.size()));
        }
        stop.set(true);
        reader.join();
        assertNull(wrong.get());
    }
}
