package dev.jdax.cli.xfsio;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CvtnumTest {
    private static long parse(String s) {
        return Cvtnum.parse(s, 4096, 512);
    }

    @Test
    void plainDecimalHexAndOctalAreCIntegers() {
        assertEquals(100, parse("100"));
        assertEquals(0x5a, parse("0x5a"));
        assertEquals(8, parse("010"));
        assertEquals(0, parse("0"));
    }

    @Test
    void binaryUnitSuffixesInEitherCase() {
        assertEquals(4096, parse("4k"));
        assertEquals(4096, parse("4K"));
        assertEquals(1L << 20, parse("1m"));
        assertEquals(320L << 20, parse("320m"));
        assertEquals(1L << 40, parse("1t"));
        assertEquals(4611686018427387904L, parse("4611686018427387904"));
    }

    @Test
    void blocksAndSectorsUseTheFileSystemsSizes() {
        assertEquals(3 * 4096, parse("3b"));
        assertEquals(3 * 512, parse("3s"));
    }

    @Test
    void anythingElseIsNotANumber() {
        assertEquals(-1, parse(""));
        assertEquals(-1, parse("x"));
        assertEquals(-1, parse("4kk"));
        assertEquals(-1, parse("4q"));
        assertEquals(-1, parse("-4"));
        assertEquals(-1, parse("16e"), "2^64 overflows");
    }
}
