package dev.jdax.pmem;

import dev.jdax.api.BadBlocks;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bad sectors of an image, kept beside it in {@code IMAGE.badblocks}: one {@code SECTOR COUNT}
 * line each, the format of Linux's {@code /sys/block/pmemN/badblocks}, so they last from one command
 * to the next.
 */
public final class BadBlocksFile {
    private BadBlocksFile() {
    }

    /**
     * {@code /x/disk.img} → {@code /x/disk.img.badblocks}.
     *
     * @param image the image
     * @return the path of its bad-sector list
     */
    public static Path of(Path image) {
        return image.resolveSibling(image.getFileName() + ".badblocks");
    }

    /**
     * Adds the sectors listed beside {@code image}, if there is such a file.
     *
     * @param image the image
     * @param into  the list the sectors are added to
     * @throws FsException EIO when the file cannot be read, EINVAL naming a line that is not {@code SECTOR COUNT}
     */
    public static void load(Path image, BadBlocks into) throws FsException {
        Path f = of(image);
        if (!Files.exists(f)) {
            return;
        }
        try {
            into.addAll(Files.readString(f), f.toString());
        } catch (IOException e) {
            throw FsException.of(Errno.EIO, "%s: %s", f, e.getMessage());
        }
    }

    /**
     * Writes the list beside {@code image}; an empty list removes the file.
     *
     * @param image the image
     * @param from  the sectors to write
     * @throws FsException EIO naming the file when it cannot be written or removed
     */
    public static void save(Path image, BadBlocks from) throws FsException {
        Path f = of(image);
        try {
            if (from.isEmpty()) {
                Files.deleteIfExists(f);
            } else {
                Files.writeString(f, from.toText());
            }
        } catch (IOException e) {
            throw FsException.of(Errno.EIO, "%s: %s", f, e.getMessage());
        }
    }
}
