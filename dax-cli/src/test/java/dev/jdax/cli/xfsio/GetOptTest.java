package dev.jdax.cli.xfsio;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GetOptTest {
    private final List<String> complaints = new ArrayList<>();
    private final XfsIoOutput errors = new XfsIoOutput() {
        @Override
        public void out(String line) {
            throw new AssertionError("getopt writes to stderr only: " + line);
        }

        @Override
        public void err(String line) {
            complaints.add(line);
        }
    };

    @Test
    void clusteredFlagsAndSeparateArgument() {
        GetOpt g = new GetOpt(List.of("mmap", "-rw", "-s", "8k", "0", "1m"), "rwxSs:", errors);
        assertEquals('r', g.next());
        assertEquals('w', g.next());
        assertEquals('s', g.next());
        assertEquals("8k", g.optarg());
        assertEquals(-1, g.next());
        assertEquals(List.of("0", "1m"), g.operands());
        assertEquals(List.of(), complaints);
    }

    @Test
    void attachedArgumentAndUnknownOption() {
        GetOpt g = new GetOpt(List.of("pwrite", "-S0xab", "-z", "0", "4k"), "b:S:", errors);
        assertEquals('S', g.next());
        assertEquals("0xab", g.optarg());
        assertEquals('?', g.next());
        assertEquals(List.of("pwrite: invalid option -- 'z'"), complaints, "glibc's words, under the command's name");
        assertEquals(-1, g.next());
        assertEquals(List.of("0", "4k"), g.operands());
    }

    @Test
    void missingArgumentIsAnError() {
        GetOpt g = new GetOpt(List.of("pread", "-b"), "b:", errors);
        assertEquals('?', g.next());
        assertEquals(List.of("pread: option requires an argument -- 'b'"), complaints);
    }

    @Test
    void doubleDashEndsOptions() {
        GetOpt g = new GetOpt(List.of("x", "--", "-v"), "v", errors);
        assertEquals(-1, g.next());
        assertEquals(List.of("-v"), g.operands());
    }
}
