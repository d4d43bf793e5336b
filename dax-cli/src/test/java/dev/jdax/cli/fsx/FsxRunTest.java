package dev.jdax.cli.fsx;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FsxRunTest {
    @Test
    void aFileThatFollowsLinuxPassesEveryCheck() {
        FsxRun.Result r = new FsxRun(new ArrayFile(false, true), 256 * 1024, 4096, 1).run(20_000, n -> { });
        assertNull(r.failure(), () -> r.failure() + "\n" + String.join("\n", FsxRun.describe(r)));
        assertEquals(20_000, r.ops());
        assertTrue(r.counts().get(FsxOp.Kind.COLLAPSE_RANGE) > 100, r.counts().toString());
        assertTrue(r.counts().get(FsxOp.Kind.INSERT_RANGE) > 100, r.counts().toString());
    }

    @Test
    void staleBytesAfterAnExtendingTruncateAreCaughtWithTheLog() {
        FsxRun.Result r = new FsxRun(new ArrayFile(true, true), 256 * 1024, 4096, 1).run(20_000, n -> { });
        assertNotNull(r.failure());
        assertTrue(r.failure().contains("BAD DATA"), r.failure());
        assertTrue(FsxRun.describe(r).get(0).startsWith("LOG DUMP"));
    }

    @Test
    void unsupportedOperationsAreDroppedFromTheMix() {
        FsxRun.Result r = new FsxRun(new ArrayFile(false, false), 256 * 1024, 4096, 3).run(5_000, n -> { });
        assertNull(r.failure(), r.failure());
        assertTrue(r.unsupported().contains(FsxOp.Kind.PUNCH_HOLE), r.unsupported().toString());
        assertTrue(r.unsupported().contains(FsxOp.Kind.MAPREAD), r.unsupported().toString());
    }
}
