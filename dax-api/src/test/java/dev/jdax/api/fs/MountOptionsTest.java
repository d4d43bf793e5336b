package dev.jdax.api.fs;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** lazytime is a generic option, off unless asked, the later of lazytime and nolazytime deciding. */
class MountOptionsTest {
    @Test
    void lazytimeIsOffUnlessAskedAndTheLaterOptionDecides() throws Exception {
        assertFalse(MountOptions.parse("dax").lazytime());
        assertTrue(MountOptions.parse("dax,lazytime").lazytime());
        assertFalse(MountOptions.parse("lazytime,nolazytime").lazytime());
        assertTrue(MountOptions.parse("nolazytime,lazytime").lazytime());
        assertDoesNotThrow(() -> MountOptions.parse("lazytime,nolazytime").requireKnown("ext2", java.util.Set.of("dax")));
    }
}
