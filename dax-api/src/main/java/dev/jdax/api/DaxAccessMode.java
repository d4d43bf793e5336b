package dev.jdax.api;

/** How {@link DaxDevice#directAccess} treats poisoned sectors (Linux's {@code enum dax_access_mode}). */
public enum DaxAccessMode {
    /** Fail with EIO when the range holds a bad sector, as {@code pmem_dax_direct_access} does. */
    ACCESS,
    /**
     * Return a window anyway ({@code DAX_RECOVERY_WRITE}, Linux 5.19+): the pages before the first
     * poisoned page, or that one page when it is the first, so that a write of whole pages can clear
     * the poison page by page ({@code pmem_recovery_write}).
     */
    RECOVERY_WRITE
}
