package example;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * A small tree of files on a new ext4 or XFS image, written with {@link Files}, then one file
 * mapped with {@link FileChannel#map(MapMode, long, long, Arena)}: the segment is the file's
 * blocks in the device's memory, so its stores are what {@link Files#readAllBytes} reads back.
 * Run: {@code java -p <jars> -m example/example.TreeOnDax disk.img ext4}.
 */
public final class TreeOnDax {
    private TreeOnDax() {
    }

    /** Creates {@code image} with a file system of {@code type}, builds the tree and returns the walked paths. */
    public static List<String> run(Path image, String type) throws IOException {
        // create=true makes the image and runs the personality's mkfs; "dax" asks for direct access.
        // XFS, like mkfs.xfs, wants at least 300 MiB; the image file is sparse either way.
        String size = type.equals("xfs") ? "300m" : "64m";
        try (FileSystem fs = FileSystems.newFileSystem(image,
                Map.of("create", "true", "type", type, "size", size, "options", "dax"))) {
            Path docs = Files.createDirectories(fs.getPath("/home/ada/docs"));
            Files.writeString(docs.resolve("notes.txt"), "written through java.nio.file\n");
            try (BufferedWriter w = Files.newBufferedWriter(fs.getPath("/home/ada/log.txt"))) {
                for (int i = 0; i < 100; i++) {
                    w.write("line " + i + "\n");
                }
            }

            Path data = fs.getPath("/home/ada/data.bin");
            int length = 256 * 1024;
            try (FileChannel ch = FileChannel.open(data, CREATE, READ, WRITE);
                 Arena arena = Arena.ofConfined()) {
                // READ_WRITE allocates the blocks; the segment is them, not a copy of them.
                MemorySegment dax = ch.map(MapMode.READ_WRITE, 0, length, arena);
                dax.fill((byte) 7);
                dax.set(ValueLayout.JAVA_LONG_UNALIGNED, 4096, 0x0102030405060708L);
                ch.force(true);
                // Files reads the very blocks the segment stored into: no copy in between.
                long differ = MemorySegment.ofArray(Files.readAllBytes(data)).mismatch(dax);
                if (differ != -1) {
                    throw new IllegalStateException(data + ": byte " + differ + " read back is not the one stored");
                }
            }

            try (Stream<Path> walk = Files.walk(fs.getPath("/"))) {
                return walk.map(Path::toString).sorted().toList();
            }
        } // closing the file system unmounts it: the image is left clean for e2fsck or xfs_repair
    }

    /** {@code TreeOnDax IMAGE [ext4|xfs]}: builds the tree on a new image and prints it. */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: TreeOnDax IMAGE [ext4|xfs]");
            System.exit(2);
        }
        run(Path.of(args[0]), args.length > 1 ? args[1] : "ext4").forEach(System.out::println);
    }
}
