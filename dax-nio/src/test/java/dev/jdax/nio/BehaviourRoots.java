package dev.jdax.nio;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The roots the behaviour suite runs on: the JDK's own file system in a temporary directory (the
 * control), and jdax's ext4 and XFS on images and ext2 in memory. Registered as an extension, it
 * unmounts and removes its directory after each test.
 */
final class BehaviourRoots implements AfterEachCallback {
    private Path tmp;
    private FileSystem jdax;

    /** The test's own temporary directory (images live there). */
    Path tmp() throws IOException {
        if (tmp == null) {
            tmp = Files.createTempDirectory("jdax-behaviour");
        }
        return tmp;
    }

    static List<String> kinds() {
        return List.of("default", "ext4-image", "xfs-image", "ext2-memory");
    }

    static List<String> jdaxKinds() {
        return kinds().subList(1, kinds().size());
    }

    static List<String> imageKinds() { // a memory file system lives as long as its mount: no remount
        return List.of("ext4-image", "xfs-image");
    }

    Path root(String kind) throws IOException {
        switch (kind) {
            case "default" -> {
                return Files.createDirectory(tmp().resolve("root"));
            }
            case "ext4-image" -> {
                jdax = FileSystems.newFileSystem(image(kind),
                        Map.of("create", "true", "type", "ext4", "size", "64m", "options", "dax"));
                return jdax.getPath("/");
            }
            case "xfs-image" -> { // mkfs.xfs's smallest; the image file is sparse
                jdax = FileSystems.newFileSystem(image(kind),
                        Map.of("create", "true", "type", "xfs", "size", "300m", "options", "dax"));
                return jdax.getPath("/");
            }
            default -> {
                jdax = FileSystems.newFileSystem(java.net.URI.create("jdax:memory:x"),
                        Map.of("memory", "32m", "type", "ext2", "options", "dax"));
                return jdax.getPath("/");
            }
        }
    }

    /** The image a kind made by {@link #root}. */
    Path image(String kind) throws IOException {
        return tmp().resolve(kind.startsWith("xfs") ? "xfs.img" : "disk.img");
    }

    /** Unmounts an image kind's file system and mounts its image again read-only. */
    FileSystem remountReadOnly(String kind) throws IOException {
        jdax.close();
        jdax = FileSystems.newFileSystem(image(kind), Map.of("readOnly", "true"));
        return jdax;
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        if (jdax != null) {
            jdax.close();
            jdax = null;
        }
        if (tmp != null) {
            try (Stream<Path> all = Files.walk(tmp)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            tmp = null;
        }
    }
}
