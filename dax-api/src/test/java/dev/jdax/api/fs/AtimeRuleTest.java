package dev.jdax.api.fs;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mount's atime options folded as path_mount folds them, and atime_needs_update's answers. */
class AtimeRuleTest {
    private static final Instant NOW = Instant.ofEpochSecond(1_800_000_000L, 500);

    private static AtimeRule rule(String options) throws Exception {
        return AtimeRule.of(MountOptions.parse(options));
    }

    @Test
    void optionsFoldAsTheKernelFoldsThem() throws Exception {
        assertEquals(AtimeRule.DEFAULT, rule(""));
        assertEquals(AtimeRule.DEFAULT, rule("dax,norelatime")); // MS_RELATIME cleared; a new mount is relatime anyway
        assertEquals(new AtimeRule(AtimeRule.Mode.NOATIME, false), rule("noatime"));
        assertEquals(AtimeRule.DEFAULT, rule("noatime,atime"));
        assertEquals(new AtimeRule(AtimeRule.Mode.STRICTATIME, false), rule("noatime,strictatime"));
        assertEquals(new AtimeRule(AtimeRule.Mode.NOATIME, false), rule("strictatime,nostrictatime,noatime"));
        assertEquals(new AtimeRule(AtimeRule.Mode.RELATIME, true), rule("nodiratime"));
        assertEquals(AtimeRule.DEFAULT, rule("nodiratime,diratime"));
    }

    @Test
    void statfsSaysTheModeAsCalculateFFlagsDoes() throws Exception {
        assertEquals(0x1000, rule("").statfsFlags());
        assertEquals(0x400, rule("noatime").statfsFlags());
        assertEquals(0x0, rule("strictatime").statfsFlags());
        assertEquals(0x1800, rule("nodiratime").statfsFlags());
    }

    @Test
    void relatimeWritesATimeNotAfterTheOthersOrADayOld() {
        AtimeRule r = AtimeRule.DEFAULT;
        Instant m = NOW.minusSeconds(100);
        assertTrue(r.needsUpdate(false, m, m, m, NOW), "atime equal to mtime");
        assertTrue(r.needsUpdate(false, m.minusNanos(1), m, m.minusSeconds(5), NOW), "atime before mtime");
        assertTrue(r.needsUpdate(false, m.plusSeconds(1), m, m.plusSeconds(1), NOW), "atime equal to ctime");
        assertFalse(r.needsUpdate(false, m.plusSeconds(1), m, m, NOW), "atime after both, an hour old");
        assertFalse(r.needsUpdate(false, NOW.plusSeconds(86_400 * 365), m, m, NOW), "atime in the future");
        // A day counted in whole seconds, as relatime_need_update subtracts tv_sec.
        Instant dayOld = Instant.ofEpochSecond(NOW.getEpochSecond() - 86_400, 999_999_999);
        assertTrue(r.needsUpdate(false, dayOld, dayOld.minusSeconds(1), dayOld.minusSeconds(1), NOW));
        assertFalse(r.needsUpdate(false, dayOld.plusSeconds(1), dayOld, dayOld, NOW));
        assertFalse(r.needsUpdate(false, NOW, NOW.minusSeconds(1), NOW.minusSeconds(1), NOW), "equal to now");
    }

    @Test
    void strictatimeWritesEveryNewTimeNoatimeNoneNodiratimeNoDirectory() throws Exception {
        Instant future = NOW.plusSeconds(1000);
        Instant old = NOW.minusSeconds(1000);
        assertTrue(rule("strictatime").needsUpdate(false, future, old, old, NOW));
        assertFalse(rule("strictatime").needsUpdate(false, NOW, old, old, NOW));
        assertFalse(rule("noatime").needsUpdate(false, old, NOW, NOW, NOW));
        assertFalse(rule("nodiratime").needsUpdate(true, old, NOW, NOW, NOW));
        assertTrue(rule("nodiratime").needsUpdate(false, old, NOW, NOW, NOW));
    }
}
