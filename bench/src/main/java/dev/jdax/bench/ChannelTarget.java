package dev.jdax.bench;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link FileChannel} peer: a file on /dev/shm (the kernel's page-cache path a Java program would
 * otherwise take) or in Jimfs (the in-memory NIO file system people use). Positional reads and
 * writes of direct buffers, so no extra copy is charged to the peer.
 */
final class ChannelTarget implements Target {
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

    static ChannelTarget jimfs() throws IOException {
        FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
        return new ChannelTarget(fs.getPath("/bench"), fs);
    }

    @Override
    public void read(long pos, MemorySegment dst) throws IOException {
        ByteBuffer b = dst.asByteBuffer();
        while (b.hasRemaining()) {
            if (channel.read(b, pos + b.position()) < 0) {
                throw new IOException("EOF at " + (pos + b.position()));
            }
        }
    }

    @Override
    public void write(long pos, MemorySegment src) throws IOException {
        ByteBuffer b = src.asByteBuffer();
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
