package dev.jdax.cli;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;

import java.nio.file.Path;

/**
 * An image opened and mounted for one command: the device (with its {@code IMAGE.badblocks}
 * sidecar), the file-system type found on it, the mount. Closing unmounts cleanly, writes the bad
 * sectors back beside the image, and unmaps.
 */
final class ImageSession implements AutoCloseable {
    private final Path image;
    private final DaxDevice device;
    private final FileSystem fs;

    private ImageSession(Path image, DaxDevice device, FileSystem fs) {
        this.image = image;
        this.device = device;
        this.fs = fs;
    }

    /** Mounts the file system on {@code image} with {@code options} (mount options, "" for none). */
    static ImageSession mount(Path image, String options) throws FsException {
        MountOptions parsed = MountOptions.parse(options == null ? "" : options);
        DaxDevice device = PmemDevices.open(image);
        try {
            var detected = FileSystemTypes.detect(device).orElseThrow(() -> FsException.of(Errno.EINVAL,
                    "%s: no file system jdax knows (%s) found on it", image, knownTypes()));
            return new ImageSession(image, device, Vfs.mount(detected.type(), device, parsed));
        } catch (FsException | RuntimeException e) {
            device.close();
            throw e;
        }
    }

    private static String knownTypes() {
        return String.join(", ", FileSystemTypes.all().stream().map(t -> t.name()).toList());
    }

    FileSystem fs() {
        return fs;
    }

    DaxDevice device() {
        return device;
    }

    Path image() {
        return image;
    }

    @Override
    public void close() throws FsException {
        try {
            fs.close();
        } finally {
            PmemDevices.saveBadBlocks(device, image);
            device.close();
        }
    }
}
