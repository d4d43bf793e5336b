package dev.jdax.api;

/**
 * The emulated {@code SIGSEGV}: a store through a mapping made without {@code PROT_WRITE}, or an
 * access outside the mapping. Unchecked, as {@link SigBusException} is.
 */
public final class SigSegvException extends RuntimeException {
    private final long address;

    public SigSegvException(long address, String reason) {
        super(String.format("SIGSEGV at 0x%x: %s", address, reason));
        this.address = address;
    }

    public long address() {
        return address;
    }
}
