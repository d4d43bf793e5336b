package dev.jdax.fs.ext4;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The names a directory's index hashed last: the last two are kept, a third pushes out the oldest,
 * and a kept hash answers only the same bytes under the same hash version and folding — a name
 * whose array the caller changes afterwards is not answered for by what it was.
 */
class HashedNameTest {
    private static final DirHash.Hash A = new DirHash.Hash(0x1000, 1);
    private static final DirHash.Hash B = new DirHash.Hash(0x2000, 2);
    private static final DirHash.Hash C = new DirHash.Hash(0x3000, 3);

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theLastTwoNamesAreKeptAndAThirdPushesOutTheOldest() {
        HashedName kept = HashedName.then(null, 1, false, bytes("a"), A);
        kept = HashedName.then(kept, 1, false, bytes("b"), B);
        assertEquals(A, kept.find(1, false, bytes("a")));
        assertEquals(B, kept.find(1, false, bytes("b")));
        kept = HashedName.then(kept, 1, false, bytes("c"), C);
        assertEquals(C, kept.find(1, false, bytes("c")));
        assertEquals(B, kept.find(1, false, bytes("b")));
        assertNull(kept.find(1, false, bytes("a")), "the oldest of three is gone");
        assertNull(kept.before().before(), "one kept before the last, never a chain");
    }

    @Test
    void aKeptHashAnswersOnlyTheSameBytesVersionAndFolding() {
        byte[] name = bytes("Readme");
        HashedName kept = HashedName.then(null, 1, false, name, A);
        assertNull(kept.find(2, false, bytes("Readme")), "another hash version");
        assertNull(kept.find(1, true, bytes("Readme")), "the same name folded");
        assertNull(kept.find(1, false, bytes("readme")), "other bytes");
        name[0] = 'X';
        assertNull(kept.find(1, false, name), "the caller's array changed after it was kept");
        assertEquals(A, kept.find(1, false, bytes("Readme")));
    }
}
