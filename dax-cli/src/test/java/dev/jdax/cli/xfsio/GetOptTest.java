package dev.jdax.cli.xfsio;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GetOptTest {
    @Test
    void clusteredFlagsAndSeparateArgument() {
        GetOpt g = new GetOpt(List.of("mmap", "-rw", "-s", "8k", "0", "1m"), "rwxSs:");
        assertEquals('r', g.next());
        assertEquals('w', g.next());
        assertEquals('s', g.next());
        assertEquals("8k", g.optarg());
        assertEquals(-1, g.next());
        assertEquals(List.of("0", "1m"), g.operands());
    }

    @Test
    void attachedArgumentAndUnknownOption() {
        GetOpt g = new GetOpt(List.of("pwrite", "-S0xab", "-z", "0", "4k"), "b:S:");
        assertEquals('S', g.next());
        assertEquals("0xab", g.optarg());
        assertEquals('?', g.next());
        assertEquals(-1, g.next());
        assertEquals(List.of("0", "4k"), g.operands());
    }

    @Test
    void missingArgumentIsAnError() {
        GetOpt g = new GetOpt(List.of("pread", "-b"), "b:");
        assertEquals('?', g.next());
    }

    @Test
    void doubleDashEndsOptions() {
        GetOpt g = new GetOpt(List.of("x", "--", "-v"), "v");
        assertEquals(-1, g.next());
        assertEquals(List.of("-v"), g.operands());
    }
}
