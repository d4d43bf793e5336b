package dev.jdax.cli;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.PathWalk;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code jdax mknod}: a device node or FIFO inside an image, as coreutils' mknod makes one. */
@Command(name = "mknod", mixinStandardHelpOptions = true,
        header = "Make a device node or FIFO inside an image.",
        description = {"Makes a block (b) or character (c, u) device with MAJOR and MINOR, or a FIFO (p), owner root.",
                "jdax opens no devices or FIFOs: they are made and listed, and an open of one fails (ENXIO)."})
final class MknodCommand implements Callable<Integer> {
    @Option(names = {"-m", "--mode"}, paramLabel = "MODE", defaultValue = "644",
            description = "Permission bits, in octal (default ${DEFAULT-VALUE}: 0666 less the usual umask 022).")
    String mode;

    @Parameters(index = "0", paramLabel = "IMAGE:/path")
    String target;

    @Parameters(index = "1", paramLabel = "TYPE", description = "b, c (or u) or p.")
    String type;

    @Parameters(index = "2", arity = "0..1", paramLabel = "MAJOR", description = "A device's major number; none for a FIFO.")
    Long major;

    @Parameters(index = "3", arity = "0..1", paramLabel = "MINOR", description = "A device's minor number.")
    Long minor;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws FsException {
        FileType t = switch (type) {
            case "b" -> FileType.BLOCK_DEVICE;
            case "c", "u" -> FileType.CHAR_DEVICE;
            case "p" -> FileType.FIFO;
            default -> throw usage("invalid device type '" + type + "': b, c, u or p");
        };
        if (t == FileType.FIFO && major != null) {
            throw usage("FIFOs do not have major and minor device numbers");
        }
        if (t != FileType.FIFO && (major == null || minor == null || major < 0 || minor < 0)) {
            throw usage("a " + (t == FileType.BLOCK_DEVICE ? "block" : "character")
                    + " device takes MAJOR and MINOR, numbers of 0 or more");
        }
        int perm = permissions();
        long rdev = t == FileType.FIFO ? 0 : DeviceNumbers.makedev(major, minor);
        ImageRef ref = ImageRef.parse(target);
        ref.onMounted("", target, fs -> make(fs, ref, t.modeBits() | perm, rdev));
        return 0;
    }

    private int permissions() {
        try {
            int m = Integer.parseInt(mode, 8);
            if (m >= 0 && m <= 07777) {
                return m;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw usage("invalid mode '" + mode + "': octal permission bits, 0 to 7777");
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    private static void make(FileSystem fs, ImageRef ref, int mode, long rdev) throws FsException {
        fs.mknod(fs.resolveParent(ref.path()), PathWalk.lastName(ref.path()), mode, rdev, 0, 0);
    }
}
