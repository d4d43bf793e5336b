package dev.jdax.pmem;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/** Opens {@link DaxDevice}s: the one entry point of the pmem driver. */
public final class PmemDevices {
    private PmemDevices() {
    }

    /**
     * A device of {@code size} bytes of anonymous memory, zero-filled.
     *
     * @throws FsException EINVAL when the size is not a positive multiple of 4096, ENOMEM when it
     *                     cannot be had
     */
    public static DaxDevice memory(long size) throws FsException {
        if (size <= 0 || size % DaxDevice.PAGE_SIZE != 0) {
            throw FsException.of(Errno.EINVAL, "memory device of %d bytes: size must be a positive multiple of 4096", size);
        }
        try {
            return MemoryDevice.allocate(size);
        } catch (OutOfMemoryError e) {
            throw FsException.of(Errno.ENOMEM, "memory device of %d bytes: %s", size, e.getMessage());
        }
    }
}
