package dev.jdax.api.lock;

/**
 * A lock taken out of the order of {@link LockClass} while another one is held: the deadlock that
 * has not happened yet. Thrown (when {@link LockOrder#enabled()}) at the acquisition that breaks the
 * order, before the thread blocks on it; an Error because no caller can mend it.
 */
public final class LockOrderViolation extends Error {
    LockOrderViolation(String message) {
        super(message);
    }
}
