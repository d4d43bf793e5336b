package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.cli.xfsio.Numbers;
import dev.jdax.pmem.PmemDevices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/** {@code jdax mkfs}: makes a file system on an image file (created at SIZE when given). */
@Command(name = "mkfs", mixinStandardHelpOptions = true,
        header = "Make an ext2, ext4 or XFS file system on an image file.",
        description = {"Makes a file system on IMAGE in the real on-disk format, one e2fsck -fn or xfs_repair -n "
                + "finds clean. With SIZE (4096, 64m, 1g ...) the image file is emptied (as mke2fs discards a device) "
                + "and created at that size first; options the type does not take are refused before that, "
                + "and the image is left as it was.",
                "With -d DIR the new file system is filled with what DIR holds, as mke2fs -d fills it: files, directories "
                + "and symbolic links with their modes, owners, groups and access and modification times, and files linked "
                + "under several names linked so; the root keeps mkfs's own attributes. Devices, pipes and sockets are "
                + "reported and left out (status 1; mke2fs makes them). Running out of space ends the copy with ENOSPC, "
                + "leaving a consistent file system holding what was copied."})
final class MkfsCommand implements Callable<Integer> {
    @Option(names = "-t", required = true, paramLabel = "TYPE", description = "ext2, ext4 or xfs (XFS needs at least 300 MiB).")
    String type;

    @Option(names = "-b", paramLabel = "BLOCKSIZE", description = {
            "Block size in bytes (default: 4096, the page size DAX needs, at every size; mke2fs.conf's "
            + "small and floppy types choose 1024 below 512 MiB, where Linux would turn DAX off)."})
    int blockSize;

    @Option(names = "-O", paramLabel = "FEATURES", split = ",", description = {
            "Features to add, or ^feature to remove (as mke2fs -O). jdax makes each type's defaults "
            + "(mke2fs.conf's for ext2 and ext4, mkfs.xfs's for xfs); besides them it makes ext4's casefold "
            + "and orphan_file (unlinked-but-open files tracked without the superblock's one list)."})
    List<String> features = List.of();

    @Option(names = "-E", paramLabel = "OPTIONS", split = ",", description = {
            "Extended options, KEY=VALUE (as mke2fs -E); ext4: encoding=utf8 (utf8-12.1, the only one Linux 6.1 "
            + "knows; turns casefold on) and encoding_flags=strict."})
    List<String> extended = List.of();

    @Option(names = "-L", paramLabel = "LABEL", description = {
            "Volume label (as mke2fs -L and mkfs.xfs -L): at most 16 bytes of UTF-8 on ext2 and ext4, 12 on xfs. "
            + "A longer one is refused (mke2fs would cut it, perhaps inside a character). xfs_io's label command "
            + "reads and changes it on a mounted file system."})
    String label = "";

    @Option(names = "-U", paramLabel = "UUID", description = {
            "The file system's UUID, as 8-4-4-4-12 hex digits (mke2fs -U, mkfs.xfs -m uuid=); default a random one."})
    String uuid;

    @Option(names = "-d", paramLabel = "DIR", description = {
            "Fill the new file system with the files under host directory DIR (as mke2fs -d; mkfs.xfs 6.1 takes a protofile instead)."})
    Path populateFrom;

    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE")
    String size;

    @Override
    public Integer call() throws FsException {
        FileSystemType fsType = FileSystemTypes.byName(type);
        MkfsOptions options = new MkfsOptions(blockSize, features, label, parseUuid(), extendedOptions());
        if (size == null && !Files.exists(image)) {
            throw FsException.of(Errno.ENOENT, "%s: no such image; give a SIZE to create it", image);
        }
        // Refused options leave the image as it was: they are found before it is emptied.
        if (populateFrom != null && !Files.isDirectory(populateFrom)) {
            throw FsException.of(Files.exists(populateFrom) ? Errno.ENOTDIR : Errno.ENOENT, "-d %s: %s", populateFrom,
                    Files.exists(populateFrom) ? "not a directory" : "no such directory");
        }
        try {
            fsType.checkMkfs(options);
        } catch (FsException e) {
            throw naming(e);
        }
        boolean zeroed = false;
        long bytes = -1;
        if (size != null) {
            bytes = Numbers.parse(size);
            if (bytes < fsType.minimumSize()) {
                throw FsException.of(Errno.EINVAL, "%s: size %d is below the %s minimum of %d bytes",
                        image, bytes, type, fsType.minimumSize());
            }
            zeroed = discard(image);
        }
        // A created image is mapped as one (PmemDevices.create): its holes are not read around.
        try (DaxDevice device = bytes >= 0 ? PmemDevices.create(image, bytes) : PmemDevices.open(image)) {
            // A discarded image reads as zeros, so mkfs need not write them (mke2fs: discard zeroes data).
            Map<String, String> extra = new LinkedHashMap<>(options.extra());
            if (zeroed) {
                extra.put("zeroed", "true");
            }
            try {
                fsType.mkfs(device, new MkfsOptions(blockSize, features, label, options.uuid(), extra));
            } catch (FsException e) {
                throw naming(e);
            }
            System.out.printf("%s: %s file system, %d bytes%s%n", image, type, device.size(),
                    blockSize == 0 ? "" : ", block size " + blockSize);
        }
        return populateFrom == null ? 0 : populate();
    }

    /** Copies what -d's directory holds into the new file system's root; 1 when something was left out. */
    private int populate() throws FsException {
        try (ImageSession session = ImageSession.mount(image, "")) {
            ImageRef root = new ImageRef(image, "/");
            TreeCopy copy = new TreeCopy("mkfs", root, new TreeCopy.Options(true, true, true, false), System.out, System.err);
            copy.contentsIn(populateFrom, session.fs(), "/", root.toString());
            System.out.printf("%s: %d files, directories and links copied from %s%n", image, copy.copied(), populateFrom);
            return copy.skipped() == 0 ? 0 : 1;
        }
    }

    /** The personality's refusal with the image the user named, which the personality does not know. */
    private FsException naming(FsException e) {
        return new FsException(e.errno(), image + ": " + e.getMessage(), e);
    }

    /** -U's UUID, or {@code null} for a random one; refused unless in the 36-character form. */
    private UUID parseUuid() throws FsException {
        if (uuid == null) {
            return null;
        }
        // UUID.fromString also takes shortened groups ("1-2-3-4-5"); mke2fs and mkfs.xfs do not.
        if (!uuid.matches("\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}")) {
            throw FsException.of(Errno.EINVAL, "-U %s: not a UUID (8-4-4-4-12 hex digits)", uuid);
        }
        return UUID.fromString(uuid);
    }

    /** -E's KEY=VALUE pairs; a key alone stands for "true". Only ext4 takes any. */
    private Map<String, String> extendedOptions() throws FsException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : extended) {
            int eq = kv.indexOf('=');
            String key = eq < 0 ? kv : kv.substring(0, eq);
            if (key.isEmpty() || key.equals("zeroed")) {
                throw FsException.of(Errno.EINVAL, "-E %s: not an extended option", kv);
            }
            out.put(key, eq < 0 ? "true" : kv.substring(eq + 1));
        }
        if (!out.isEmpty() && !type.equals("ext4")) {
            throw FsException.of(Errno.EINVAL, "-E %s: jdax's %s mkfs takes no extended options", String.join(",", extended), type);
        }
        return out;
    }

    /**
     * Empties a regular image file before it is sized, as mke2fs discards a device before it writes
     * (unless -E nodiscard): what the file held is gone either way, and an emptied file reads as
     * zeros, which mkfs then need not write (inode tables, the journal). Returns whether it did.
     */
    private static boolean discard(Path image) throws FsException {
        if (!Files.isRegularFile(image)) {
            return !Files.exists(image);
        }
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            return true;
        } catch (IOException e) {
            throw FsException.of(Errno.EIO, "%s: cannot empty the image before mkfs: %s", image, e.getMessage());
        }
    }
}
