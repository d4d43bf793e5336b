package dev.jdax.pmem;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Opens {@link DaxDevice}s: the one entry point of the pmem driver. */
public final class PmemDevices {
    private PmemDevices() {
    }

    /**
     * Whether memory devices, and files that are persistent memory, store file data around the cache
     * where libpmem is there ({@link DaxDevice#storeData}): {@code -Djdax.pmem.nontemporal=false}
     * makes them store it through the cache (to measure one beside the other). {@link DaxDevice#info()} says which a device does.
     */
    static final boolean NONTEMPORAL = Boolean.parseBoolean(System.getProperty("jdax.pmem.nontemporal", "true"));

    /** libpmem, when the machine has it and {@link #NONTEMPORAL} allows stores around the cache; else null. */
    static Libpmem aroundCache() {
        return NONTEMPORAL ? Libpmem.get().orElse(null) : null;
    }

    /**
     * A device of {@code size} bytes of anonymous memory, zero-filled. Its data stores of 256 bytes
     * or more go around the cache where libpmem is installed (as Linux's pmem driver copies data).
     *
     * @param size bytes, a positive multiple of 4096
     * @return the device; closing it frees the memory
     * @throws FsException EINVAL when the size is not a positive multiple of 4096, ENOMEM when it
     *                     cannot be had
     */
    public static DaxDevice memory(long size) throws FsException {
        return memory(size, false);
    }

    /**
     * As {@link #memory(long)}, with every page allocated now, as a pmem namespace has them: no
     * later store pays the kernel's first-touch fault (allocating and zeroing a page). For
     * measurements, where that fault is the emulation's cost and not pmem's; the memory is all
     * resident from the start.
     *
     * @param size bytes, a positive multiple of 4096
     * @return the device; closing it frees the memory
     * @throws FsException EINVAL when the size is not a positive multiple of 4096, ENOMEM when it
     *                     cannot be had
     */
    public static DaxDevice populatedMemory(long size) throws FsException {
        return memory(size, true);
    }

    private static DaxDevice memory(long size, boolean populate) throws FsException {
        if (size <= 0 || size % DaxDevice.PAGE_SIZE != 0) {
            throw FsException.of(Errno.EINVAL, "memory device of %d bytes: size must be a positive multiple of 4096", size);
        }
        try {
            return MemoryDevice.allocate(size, populate, aroundCache());
        } catch (OutOfMemoryError e) {
            throw FsException.of(Errno.ENOMEM, "memory device of %d bytes: %s", size, e.getMessage());
        }
    }

    /**
     * An image file or a {@code /dev/daxX.Y} node, mapped read-write with MAP_SYNC where the kernel
     * grants it (see {@link DaxDevice#info()}); the sectors listed in {@code PATH.badblocks} are bad.
     *
     * <p>An image whose size is not a multiple of 4096 (a 1 KiB-block file system often is not) is
     * a device of whole pages, its {@link DaxDevice#size()} rounded up: the last page is the file's
     * tail followed by bytes the file does not have, which read as zeros and which a store or
     * zeroing refuses with ENXIO (the kernel would keep no byte written there). A file system on
     * it can use every block its file has; mapping that last page is what a DAX fault of it would do.
     *
     * @param path the image or device node, readable and writable
     * @return the device; closing it unmaps the file
     * @throws FsException ENOENT, EISDIR, EACCES naming the path; EINVAL when it is empty; EBUSY while another
     *                     device, in this process or another, has it open
     */
    public static DaxDevice open(Path path) throws FsException {
        if (Files.isDirectory(path)) {
            throw FsException.of(Errno.EISDIR, "%s: is a directory, not an image", path);
        }
        if (!Files.exists(path)) {
            throw FsException.of(Errno.ENOENT, "%s: no such image or device", path);
        }
        if (!Files.isReadable(path) || !Files.isWritable(path)) {
            throw FsException.of(Errno.EACCES, "%s: need read and write permission", path);
        }
        long size = sizeOf(path);
        if (size <= 0) {
            throw FsException.of(Errno.EINVAL, "%s: empty (size %d)", path, size);
        }
        return withBadBlocks(path, FileDevice.map(path, size, false));
    }

    /** {@code device} with the bad sectors its image's sidecar lists ({@code IMAGE.badblocks}); closed if they cannot be read. */
    private static DaxDevice withBadBlocks(Path path, FileDevice device) throws FsException {
        try {
            BadBlocksFile.load(path, device.badBlocks());
        } catch (FsException e) {
            device.close();
            throw e;
        }
        return device;
    }

    /**
     * Creates (or resizes) the image file {@code path} to {@code size} bytes, sparse, and opens it.
     *
     * @param path the image file; its directory must exist
     * @param size bytes, a positive multiple of 4096
     * @return the device, as {@link #open} gives it
     * @throws FsException EINVAL for a bad size; ENOENT, EACCES or EIO naming the path; EBUSY while it is open
     *                     (the image then keeps its size and contents)
     */
    public static DaxDevice create(Path path, long size) throws FsException {
        if (size <= 0 || size % DaxDevice.PAGE_SIZE != 0) {
            throw FsException.of(Errno.EINVAL, "%s: size %d is not a positive multiple of 4096", path, size);
        }
        try (var ch = java.nio.channels.FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            // Made if it was not there; resized below only once its lock is held (an image in use stays whole).
        } catch (NoSuchFileException e) {
            throw FsException.of(Errno.ENOENT, "%s: no such directory", path);
        } catch (AccessDeniedException e) {
            throw FsException.of(Errno.EACCES, "%s: permission denied", path);
        } catch (IOException e) {
            throw FsException.of(Errno.EIO, "%s: %s", path, e.getMessage());
        }
        int fd = FileDevice.openLocked(path);
        if (sizeOf(path) != size) {
            Libc.Result r = Libc.ftruncate(fd, size);   // a hole where it grows, as the sparse image it was
            if (r.failed()) {
                Libc.close(fd);
                throw FsException.of(Errno.EIO, "%s: ftruncate to %d bytes: %s", path, size, r.errnoName());
            }
        }
        return withBadBlocks(path, FileDevice.map(path, fd, size, true));
    }

    /**
     * Writes the device's bad sectors beside the image ({@code PATH.badblocks}), removing the file when none are left.
     *
     * @param device the device whose bad sectors are written
     * @param image  the image they belong to
     * @throws FsException EIO naming the file when it cannot be written
     */
    public static void saveBadBlocks(DaxDevice device, Path image) throws FsException {
        BadBlocksFile.save(image, device.badBlocks());
    }

    /** A block device's size is not its file size: ask the kernel's sysfs for /dev nodes. */
    private static long sizeOf(Path path) throws FsException {
        try {
            String name = path.getFileName().toString();
            if (path.startsWith("/dev/") && !Files.isRegularFile(path)) {
                Path sys = name.startsWith("dax") ? Path.of("/sys/bus/dax/devices", name, "size")
                        : Path.of("/sys/class/block", name, "size");
                long v = Long.parseLong(Files.readString(sys).strip());
                return name.startsWith("dax") ? v : v * 512;
            }
            return Files.size(path);
        } catch (IOException | NumberFormatException e) {
            throw FsException.of(Errno.EIO, "%s: cannot tell its size: %s", path, e.getMessage());
        }
    }

    /**
     * A crash-simulating device over {@code device}: it tracks the lines stored but not fenced and
     * builds what a power failure would leave ({@link CrashDevice#crashImage}).
     *
     * @param device the device stores go through to; its current contents count as durable
     * @return the crash-simulating device
     * @throws FsException when the device cannot be read for its durable copy
     */
    public static CrashDevice crashSimulating(DaxDevice device) throws FsException {
        return new CrashDevice(device);
    }
}
