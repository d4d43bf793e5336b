package dev.jdax.api;

/**
 * The emulated {@code SIGSEGV}: a store through a mapping made without {@code PROT_WRITE}, or an
 * access outside the mapping. Unchecked, as {@link SigBusException} is.
 */
public final class SigSegvException extends RuntimeException {
    /** The faulting emulated address. */
    private final long address;

    /** A SIGSEGV at {@code address}, {@code reason} saying why for people reading logs. */
    public SigSegvException(long address, String reason) {
        super(String.format("SIGSEGV at 0x%x: %s", address, reason));
        this.address = address;
    }

    /** The faulting address. */
    public long address() {
        return address;
    }
}
