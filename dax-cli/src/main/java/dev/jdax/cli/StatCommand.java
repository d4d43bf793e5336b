package dev.jdax.cli;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.StatInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jdax stat}: a file's inode, in the layout of coreutils' stat (times in UTC), plus its DAX state. */
@Command(name = "stat", mixinStandardHelpOptions = true,
        header = "A file's inode inside an image, and whether it is DAX.",
        description = "Prints a file's inode inside an image, laid out as coreutils' stat (UTC), and whether it is DAX.")
final class StatCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS Z").withZone(ZoneOffset.UTC);

    @Parameters(paramLabel = "IMAGE:/path")
    String target;

    @Override
    public Integer call() throws FsException {
        ImageRef ref = ImageRef.parse(target);
        ref.onMounted("ro", target, fs -> print(fs, ref));
        return 0;
    }

    private void print(FileSystem fs, ImageRef ref) throws FsException {
        long ino = fs.resolve(ref.path(), false);
        StatInfo s = fs.stat(ino);
        String name = s.type() == dev.jdax.api.fs.FileType.SYMLINK ? target + " -> " + fs.readlink(ino) : target;
        System.out.println("  File: " + name);
        System.out.printf("  Size: %-15d Blocks: %-10d IO Block: %-6d %s%n", s.size(), s.blocks(), s.blksize(), typeName(s));
        System.out.printf("Device: %-14s Inode: %-11d Links: %-5d%s%n", fs.type().name(), s.ino(), s.nlink(),
                DeviceNumbers.hasDevice(s.type())
                        ? " Device type: " + DeviceNumbers.major(s.rdev()) + "," + DeviceNumbers.minor(s.rdev()) : "");
        System.out.printf(Locale.ROOT, "Access: (%04o/%s)  Uid: (%5d)   Gid: (%5d)%n",
                s.permissions(), ModeString.of(s.mode()), s.uid(), s.gid());
        System.out.println("Access: " + time(s.atime()));
        System.out.println("Modify: " + time(s.mtime()));
        System.out.println("Change: " + time(s.ctime()));
        System.out.println(" Birth: " + time(s.btime()));
        System.out.println("   DAX: " + (s.isDax() ? "yes (STATX_ATTR_DAX)" : "no"));
    }

    private static String time(Instant t) {
        return t == null ? "-" : TIME.format(t);
    }

    private static String typeName(StatInfo s) {
        return switch (s.type()) {
            case REGULAR -> s.size() == 0 ? "regular empty file" : "regular file";
            case DIRECTORY -> "directory";
            case SYMLINK -> "symbolic link";
            case CHAR_DEVICE -> "character special file";
            case BLOCK_DEVICE -> "block special file";
            case FIFO -> "fifo";
            case SOCKET -> "socket";
            case UNKNOWN -> "unknown";
        };
    }
}
