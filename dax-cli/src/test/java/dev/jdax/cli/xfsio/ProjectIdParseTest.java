package dev.jdax.cli.xfsio;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * chproj's project argument read as libfrog's prid_from_string reads a number: strtoul in base 10
 * over the whole text, past 32 bits refused, and 4294967295 the same as no project (-1).
 */
class ProjectIdParseTest {
    @Test
    void aNumberIsReadAsStrtoulReadsItInBaseTen() {
        assertEquals(7, ProjectCommands.projectId("7"));
        assertEquals(12, ProjectCommands.projectId("+12"));           // measured: projid = 12
        assertEquals(5, ProjectCommands.projectId(" \t5"));
        assertEquals(0xfffffffe, ProjectCommands.projectId("4294967294"));
        assertEquals(-1, ProjectCommands.projectId("4294967295"));    // measured: invalid project ID
        assertEquals(-1, ProjectCommands.projectId("4294967296"));
        assertEquals(-1, ProjectCommands.projectId("0x10"), "base 10: the x is left over");
        assertEquals(-1, ProjectCommands.projectId("abc"));            // measured: invalid project ID
        assertEquals(-1, ProjectCommands.projectId(""));
        assertEquals(-1, ProjectCommands.projectId("+"));
        assertEquals(-1, ProjectCommands.projectId("7 "));
    }

    @Test
    void aMinusNegatesTheUnsignedValue() {
        assertEquals(0, ProjectCommands.projectId("-0"));
        assertEquals(-1, ProjectCommands.projectId("-5"), "2^64 - 5 is past 32 bits");
        assertEquals(1, ProjectCommands.projectId("-18446744073709551615"));
        assertEquals(-1, ProjectCommands.projectId("18446744073709551616"), "ERANGE");
    }
}
