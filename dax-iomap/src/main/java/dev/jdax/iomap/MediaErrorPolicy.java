package dev.jdax.iomap;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/**
 * What a write does when it meets a poisoned page (mount option {@code media_errors=}).
 */
public enum MediaErrorPolicy {
    /**
     * Linux 5.19 and later (dax_recovery_write): the write asks the driver for the page in
     * RECOVERY_WRITE mode; a write covering whole pages clears the poison and lands, anything
     * smaller fails with EFAULT. Reads of a poisoned page fail with EIO.
     */
    RECOVERY_WRITE("recovery_write"),
    /**
     * The 2016 behaviour of the seeds: a DAX write into poison fails with EIO; only O_DIRECT writes
     * of whole sectors go "around" DAX to the driver, which clears the sectors it writes.
     */
    DIRECT_IO_BYPASS("direct_io_bypass");

    private final String optionName;

    MediaErrorPolicy(String optionName) {
        this.optionName = optionName;
    }

    /** {@return the name {@code media_errors=} takes for this policy} */
    public String optionName() {
        return optionName;
    }

    /**
     * The policy named {@code name}; EINVAL naming both choices otherwise.
     *
     * @param name the option's value
     * @return the policy
     * @throws FsException EINVAL naming both choices otherwise
     */
    public static MediaErrorPolicy parse(String name) throws FsException {
        for (MediaErrorPolicy p : values()) {
            if (p.optionName.equals(name)) {
                return p;
            }
        }
        throw FsException.of(Errno.EINVAL, "media_errors=%s: want recovery_write or direct_io_bypass", name);
    }
}
