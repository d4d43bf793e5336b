package dev.jdax.pmem;

import dev.jdax.api.ThreadCounters;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The native calls inside a device's memory, counted per thread so that closing the device waits
 * for them: Linux's {@code dax_read_lock} (an SRCU read section around a driver's access to the
 * memory) and {@code kill_dax} (which marks the device dead and waits for the sections to end).
 *
 * <p>The calls that need it pass the memory as a raw address: a segment argument would make every
 * call increment and decrement its arena's acquire count, one shared line that two threads storing
 * file data on one device took from each other's core twice a write (a tenth of the samples of
 * ext2's create + write + delete in two threads; two threads made 1.56-1.67x one on one device,
 * 1.87-1.93x on two, and 1.74-1.79x on one with this). Here a thread writes only its own cells;
 * entering costs one fence on memory of its own.
 */
final class DaxSrcu {
    /** Calls inside, per thread (a thread's count is 0 or 1; they sum to those inside). */
    private final ThreadCounters inside = new ThreadCounters(1);
    private volatile boolean dead;

    /**
     * Enters a read section: {@return false when the device is dead}, and then nothing was entered.
     * A true return must be followed by {@link #readUnlock()} once the native call has returned.
     */
    boolean readLock() {
        inside.add(0, 1);
        // The count must be seen before this looks at dead (as kill() sets dead before it sums).
        VarHandle.fullFence();
        if (dead) {
            inside.add(0, -1);
            return false;
        }
        return true;
    }

    /** Leaves the section {@link #readLock()} entered. */
    void readUnlock() {
        VarHandle.releaseFence();
        inside.add(0, -1);
    }

    /** Marks the device dead and waits until no call is inside; later {@link #readLock()}s fail. */
    void kill() {
        dead = true;
        VarHandle.fullFence();
        while (inside.sum(0) != 0) {
            LockSupport.parkNanos(10_000);
        }
    }
}
