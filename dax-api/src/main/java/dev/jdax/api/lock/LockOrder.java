package dev.jdax.api.lock;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The lock-order checker, in the manner of Linux's lockdep: it records, per thread, the locks held
 * and fails an acquisition that does not rank above every one of them ({@link LockClass}). On when
 * the system property {@code jdax.lockdep} is {@code true} at start-up (the test suite and
 * {@code jdax stress} set it); off, it costs one branch on a constant per lock operation.
 *
 * <p>The order is checked before the thread waits, so an inversion is reported the first time it is
 * attempted, not only in the rare run where it deadlocks. Re-taking a lock already held is allowed
 * (the locks are reentrant) except from a shared hold: asking to become exclusive can never succeed,
 * and taking it shared again waits for ever behind a writer that queued in between (lockdep's
 * recursive {@code down_read}), which {@link RwSem}, as an rwsem, lets writers do.
 */
public final class LockOrder {
    private static final boolean ENABLED = Boolean.getBoolean("jdax.lockdep");
    private static final ThreadLocal<List<Held>> HELD = ThreadLocal.withInitial(ArrayList::new);
    private static final List<String> VIOLATIONS = new CopyOnWriteArrayList<>();

    private record Held(Object lock, LockClass cls, int subclass, long key, boolean exclusive, String name) {
        boolean ranksBelow(LockClass c, int sub, long k) {
            int byClass = cls.compareTo(c);
            if (byClass != 0) {
                return byClass < 0;
            }
            if (subclass != sub) {
                return subclass < sub;
            }
            return key < k;
        }

        @Override
        public String toString() {
            return name + " [" + cls + (subclass != 0 ? "/" + subclass : "") + (key != 0 ? " key " + key : "")
                    + (exclusive ? ", exclusive" : ", shared") + "]";
        }
    }

    private LockOrder() {
    }

    /** {@return whether the checker runs in this JVM} */
    public static boolean enabled() {
        return ENABLED;
    }

    /** {@return every violation seen so far in this JVM, as messages} */
    public static List<String> violations() {
        return List.copyOf(VIOLATIONS);
    }

    /**
     * Records that the current thread is about to take {@code lock}; throws when that breaks the order.
     * Call it before blocking on the lock, then {@link #exit} when it is released.
     *
     * @param lock      the lock object (identity)
     * @param cls       its class
     * @param subclass  the nesting subclass of this acquisition (0 when the class has none)
     * @param key       the order among locks of one class and subclass (a group, an inode, a page)
     * @param exclusive whether it is taken exclusively
     * @param name      what to call it in a report
     * @throws LockOrderViolation when a held lock does not rank below it
     */
    public static void enter(Object lock, LockClass cls, int subclass, long key, boolean exclusive, String name) {
        if (!ENABLED) {
            return;
        }
        List<Held> held = HELD.get();
        for (Held h : held) {
            if (h.lock == lock) {
                if (exclusive && !h.exclusive) {
                    fail("upgrade of a shared hold to exclusive (can never be granted)", h, cls, subclass, key, name, held);
                }
                if (!h.exclusive) {
                    fail("a shared hold taken again (a writer queued in between would wait for the first and the second "
                            + "for it)", h, cls, subclass, key, name, held);
                }
                held.add(new Held(lock, cls, subclass, key, exclusive, name));
                return;
            }
        }
        for (Held h : held) {
            if (!h.ranksBelow(cls, subclass, key)) {
                fail("taken while a lock of equal or later rank is held", h, cls, subclass, key, name, held);
            }
        }
        held.add(new Held(lock, cls, subclass, key, exclusive, name));
    }

    /**
     * Records that the current thread released one hold of {@code lock}.
     *
     * @param lock the lock object given to {@link #enter}
     */
    public static void exit(Object lock) {
        if (!ENABLED) {
            return;
        }
        List<Held> held = HELD.get();
        for (int i = held.size() - 1; i >= 0; i--) {
            if (held.get(i).lock == lock) {
                held.remove(i);
                return;
            }
        }
    }

    /** {@return how many locks the current thread holds as the checker sees them (0 when it is off)} */
    public static int heldCount() {
        return ENABLED ? HELD.get().size() : 0;
    }

    private static void fail(String why, Held against, LockClass cls, int subclass, long key, String name, List<Held> held) {
        Held wanted = new Held(null, cls, subclass, key, false, name);
        String msg = "lock order: " + wanted + " " + why + ": " + against + "; thread " + Thread.currentThread().getName()
                + " holds " + held;
        VIOLATIONS.add(msg);
        System.err.println("jdax lockdep: " + msg);
        throw new LockOrderViolation(msg);
    }
}
