package dev.jdax.api;

/**
 * The emulated {@code SIGBUS}: a load or store through a DAX mapping that the kernel would kill
 * the process for (a page beyond EOF, a page holding a poisoned sector). Unchecked, because a
 * signal arrives at any memory access, not at a declared call.
 */
public final class SigBusException extends RuntimeException {
    /** {@code si_code}: nonexistent physical address (page beyond EOF, failed fault). */
    public static final int BUS_ADRERR = 2;
    /** {@code si_code}: hardware memory error consumed, action required. */
    public static final int BUS_MCEERR_AR = 4;

    /** The faulting emulated address. */
    private final long address;
    /** The file offset the address stands for. */
    private final long fileOffset;
    /** {@code si_code} of the signal. */
    private final int siCode;

    /**
     * A SIGBUS for the access at {@code address}.
     *
     * @param address    the faulting address within the mapping's emulated virtual range
     * @param fileOffset the file offset that address stands for
     * @param siCode     {@link #BUS_ADRERR} or {@link #BUS_MCEERR_AR}
     * @param reason     why the fault could not be served, for people reading logs
     */
    public SigBusException(long address, long fileOffset, int siCode, String reason) {
        super(String.format("SIGBUS at 0x%x (file offset %d, si_code %s): %s", address, fileOffset,
                siCode == BUS_ADRERR ? "BUS_ADRERR" : siCode == BUS_MCEERR_AR ? "BUS_MCEERR_AR" : siCode,
                reason));
        this.address = address;
        this.fileOffset = fileOffset;
        this.siCode = siCode;
    }

    /** The faulting address within the mapping's emulated virtual range. */
    public long address() {
        return address;
    }

    /** The file offset that address stands for. */
    public long fileOffset() {
        return fileOffset;
    }

    /** {@link #BUS_ADRERR} or {@link #BUS_MCEERR_AR}. */
    public int siCode() {
        return siCode;
    }
}
