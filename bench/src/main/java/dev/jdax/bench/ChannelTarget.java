package dev.jdax.bench;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.jdax.nio.JdaxFileSystem;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file through a {@link FileChannel}, as a Java program reads and writes one: a personality of
 * jdax through its {@code java.nio.file} provider, or a peer — a file on /dev/shm (the kernel's
 * page-cache path a Java program would otherwise take) or in Jimfs (the in-memory NIO file system
 * people use). Positional reads and writes of direct buffers, so no extra copy is charged to anyone.
 */
final class ChannelTarget implements Target {
    private static final AtomicInteger MOUNTS = new AtomicInteger();

    private final FileChannel channel;
    private final Closeable owner;
    private final Path file;

    ChannelTarget(Path file, Closeable owner) throws IOException {
        this.file = file;
        this.owner = owner;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    static Path shmFile() throws IOException {
        Path dir = Path.of("/dev/shm");
        return Files.createTempFile(Files.isDirectory(dir) ? dir : Path.of(System.getProperty("java.io.tmpdir")), "jdax-bench", ".bin");
    }

    /**
     * {@code ext4:dioread_nolock} → a fresh memory device made ext4 and mounted {@code dax,dioread_nolock}
     * through {@link FileSystems#newFileSystem}, with room for a file of {@code fileSize} bytes.
     */
    static ChannelTarget jdax(String config, long fileSize) throws IOException {
        int colon = config.indexOf(':');
        String type = colon < 0 ? config : config.substring(0, colon);
        String options = colon < 0 ? "dax" : "dax," + config.substring(colon + 1);
        long deviceSize = FsTarget.deviceSize(type, fileSize);
        FileSystem fs = FileSystems.newFileSystem(URI.create("jdax:memory:bench-" + MOUNTS.incrementAndGet()),
                Map.of("memory", Long.toString(deviceSize), "type", type, "options", options));
        return new ChannelTarget(fs.getPath(FsTarget.FILE), fs);
    }

    static ChannelTarget jimfs() throws IOException {
        FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
        return new ChannelTarget(fs.getPath(FsTarget.FILE), fs);
    }

    /** The buffer over the last segment transferred (the benchmarks reuse theirs: no allocation per call). */
    private MemorySegment lastSegment;
    private ByteBuffer lastBuffer;

    private ByteBuffer buffer(MemorySegment s) {
        if (s != lastSegment) {
            lastSegment = s;
            lastBuffer = s.asByteBuffer();
        }
        return lastBuffer.clear();
    }

    /** The mounted file system under a jdax target, or null for a peer. */
    dev.jdax.api.fs.FileSystem jdaxMount() {
        return owner instanceof JdaxFileSystem j ? j.mounted() : null;
    }

    @Override
    public void read(long pos, MemorySegment dst) throws IOException {
        ByteBuffer b = buffer(dst);
        while (b.hasRemaining()) {
            if (channel.read(b, pos + b.position()) < 0) {
                throw new IOException("EOF at " + (pos + b.position()));
            }
        }
    }

    @Override
    public void write(long pos, MemorySegment src) throws IOException {
        ByteBuffer b = buffer(src);
        while (b.hasRemaining()) {
            channel.write(b, pos + b.position());
        }
    }

    @Override
    public void truncate(long size) throws IOException {
        channel.truncate(size);
    }

    @Override
    public void close() throws IOException {
        channel.close();
        if (owner != null) {
            owner.close();
        } else {
            Files.deleteIfExists(file);
        }
    }
}
