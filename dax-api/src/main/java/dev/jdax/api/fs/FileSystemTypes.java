package dev.jdax.api.fs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The personalities on the class or module path, found with {@link ServiceLoader}. */
public final class FileSystemTypes {
    private FileSystemTypes() {
    }

    /** Every personality found, sorted by name. */
    public static List<FileSystemType> all() {
        List<FileSystemType> out = new ArrayList<>();
        ServiceLoader.load(FileSystemType.class, FileSystemTypes.class.getClassLoader()).forEach(out::add);
        if (out.isEmpty()) {
            ServiceLoader.load(FileSystemType.class).forEach(out::add);
        }
        out.sort(Comparator.comparing(FileSystemType::name));
        return out;
    }

    /** The personality called {@code name}; ENODEV naming the ones there are when it is missing. */
    public static FileSystemType byName(String name) throws FsException {
        List<FileSystemType> all = all();
        for (FileSystemType t : all) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw FsException.of(Errno.ENODEV, "no file-system type \"%s\" (found: %s)", name,
                all.isEmpty() ? "none on the class path" : String.join(", ", all.stream().map(FileSystemType::name).toList()));
    }

    /** The personality whose superblock is on the device, with its summary, if any. */
    public static Optional<Detected> detect(DaxDevice device) throws FsException {
        for (FileSystemType t : all()) {
            Optional<String> summary = t.probe(device);
            if (summary.isPresent()) {
                return Optional.of(new Detected(t, summary.get()));
            }
        }
        return Optional.empty();
    }

    /** A personality found on a device, and its one-line summary. */
    public record Detected(FileSystemType type, String summary) {
    }
}
