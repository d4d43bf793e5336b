package dev.jdax.api.lock;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The checker itself: it lets the order of docs/LOCKING.md through and stops the first inversion. */
class LockOrderTest {
    @Test
    void theOrderOfTheClassesPassesAndAnInversionIsCaughtBeforeItWaits() {
        assumeTrue(LockOrder.enabled(), "the checker is off (jdax.lockdep)");
        RwSem dir = new RwSem(LockClass.I_RWSEM, 2, "dir");
        RwSem child = new RwSem(LockClass.I_RWSEM, 12, "child");
        Mutex group = new Mutex(LockClass.GROUP, LockClass.BLOCKS, 3, "group 3");
        dir.lockExclusive(LockClass.PARENT);
        child.lockExclusive(LockClass.CHILD);
        group.lock();
        assertEquals(3, LockOrder.heldCount());
        group.unlock();
        child.unlockExclusive();
        int before = LockOrder.violations().size();
        group.lock();
        LockOrderViolation v = assertThrows(LockOrderViolation.class, () -> child.lockExclusive(LockClass.CHILD));
        assertTrue(v.getMessage().contains("child") && v.getMessage().contains("group 3"), v.getMessage());
        group.unlock();
        dir.unlockExclusive();
        assertEquals(before + 1, LockOrder.violations().size());
        assertEquals(0, LockOrder.heldCount());
        LockOrder.violations().stream().skip(before).forEach(m -> { });
    }

    @Test
    void sameClassLocksGoByKeyAndATakenLockMayBeTakenAgainButNotUpgraded() {
        assumeTrue(LockOrder.enabled(), "the checker is off (jdax.lockdep)");
        Mutex g1 = new Mutex(LockClass.GROUP, LockClass.BLOCKS, 1, "AG 1");
        Mutex g2 = new Mutex(LockClass.GROUP, LockClass.BLOCKS, 2, "AG 2");
        g1.lock();
        g2.lock();
        g2.unlock();
        g1.unlock();
        g2.lock();
        assertThrows(LockOrderViolation.class, g1::lock, "AG 1 after AG 2");
        g2.lock();
        g2.unlock();
        g2.unlock();
        RwSem s = new RwSem(LockClass.I_DATA_SEM, 5, "i_data_sem");
        s.lockExclusive();
        s.lockShared();
        s.unlockShared();
        s.unlockExclusive();
        s.lockShared();
        assertThrows(LockOrderViolation.class, s::lockExclusive, "an upgrade can never be granted");
        assertThrows(LockOrderViolation.class, s::lockShared, "nor a second shared hold (recursive down_read)");
        s.unlockShared();
        assertEquals(0, LockOrder.heldCount());
    }
}
