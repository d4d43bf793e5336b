package dev.jdax.cli;

import dev.jdax.api.BadRange;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.DeviceInfo;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.pmem.PmemDevices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code jdax info}: what a device or image is, how durable its stores are, and what file system is on it. */
@Command(name = "info", mixinStandardHelpOptions = true,
        header = "What a device or image is: mapping, MAP_SYNC, flush method, bad blocks, file system.",
        description = {"Maps IMAGE|DEVICE as jdax does and reports its size, the mapping in force (MAP_SYNC granted, "
                + "or refused with the errno), the flush method, its bad sectors and the file system found on it "
                + "(whether its log or journal is clean, or what a mount would replay: XFS's transactions and "
                + "the intents it would finish, ext4's transactions and fast commits; for ext2, which has no "
                + "journal, whether it was unmounted cleanly; nothing is replayed or written)."})
final class InfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGE|DEVICE")
    Path path;

    @Override
    public Integer call() throws FsException {
        try (DaxDevice d = PmemDevices.open(path)) {
            DeviceInfo i = d.info();
            System.out.printf("device:     %s%n", path);
            System.out.printf("size:       %d bytes (%d pages of 4096)%n", d.size(), d.size() / DaxDevice.PAGE_SIZE);
            System.out.printf("backing:    %s%n", i.backing());
            System.out.printf("mapping:    %s%n", i.mapping());
            System.out.printf("MAP_SYNC:   %s%n", i.mapSyncRefusal().isEmpty() ? "granted" : "refused: " + i.mapSyncRefusal());
            System.out.printf("flush:      %s%n", i.flushMethod());
            System.out.printf("persistent: %s%n", i.persistent() ? "yes (flush + fence reach the media)"
                    : "no (stores are durable only after msync; MAP_SYNC cannot be promised)");
            List<BadRange> bad = d.badBlocks().list();
            System.out.printf("badblocks:  %s%n", bad.isEmpty() ? "none" : bad.size() + " range(s) from "
                    + dev.jdax.pmem.BadBlocksFile.of(path) + ": " + d.badBlocks().toText().strip().replace("\n", ", "));
            var found = FileSystemTypes.detect(d);
            System.out.printf("filesystem: %s%n", found.map(f -> f.type().name() + " (" + f.summary() + ")").orElse("none found"));
        }
        return 0;
    }
}
