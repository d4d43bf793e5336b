package dev.jdax.cli;

import dev.jdax.api.BadBlocks;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.pmem.BadBlocksFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code jdax badblocks IMAGE list | add SECTOR [COUNT] | clear SECTOR [COUNT]}: the image's bad
 * 512-byte sectors, kept in {@code IMAGE.badblocks}. Adding does not touch the image: a bad sector
 * loses its data when the image is next opened, as a real poisoned line would read.
 */
@Command(name = "badblocks", mixinStandardHelpOptions = true,
        header = "List, add or clear bad 512-byte sectors of an image.",
        description = {"Lists, adds or clears bad 512-byte sectors of an image (kept beside it in IMAGE.badblocks, "
                + "one 'SECTOR COUNT' line each, as /sys/block/pmemN/badblocks)."})
final class BadblocksCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Parameters(index = "1", paramLabel = "list|add|clear")
    String action;

    @Parameters(index = "2", arity = "0..1", paramLabel = "SECTOR")
    Long sector;

    @Parameters(index = "3", arity = "0..1", paramLabel = "COUNT")
    Long count;

    @Override
    public Integer call() throws FsException {
        if (!Files.isRegularFile(image)) {
            throw FsException.of(Errno.ENOENT, "%s: no such image", image);
        }
        BadBlocks bb = new BadBlocks();
        BadBlocksFile.load(image, bb);
        long sectors = Files.isRegularFile(image) ? sizeInSectors() : Long.MAX_VALUE;
        switch (action) {
            case "list" -> System.out.print(bb.toText());
            case "add", "clear" -> {
                if (sector == null) {
                    throw FsException.of(Errno.EINVAL, "%s: %s needs a SECTOR", image, action);
                }
                long n = count == null ? 1 : count;
                if (sector < 0 || n <= 0 || sector + n > sectors) {
                    throw FsException.of(Errno.EINVAL, "%s: sectors %d+%d: outside the image's %d sectors", image, sector, n, sectors);
                }
                if (action.equals("add")) {
                    bb.add(sector, n);
                } else {
                    bb.clear(sector, n);
                }
                BadBlocksFile.save(image, bb);
            }
            default -> throw FsException.of(Errno.EINVAL, "%s: want list, add or clear, not \"%s\"", image, action);
        }
        return 0;
    }

    private long sizeInSectors() throws FsException {
        try {
            return Files.size(image) / 512;
        } catch (java.io.IOException e) {
            throw HostErrors.of(e, image);
        }
    }
}
