package dev.jdax.bench;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/** One file of a personality on a fresh in-memory device, through the whole stack (locks, iomap, copy). */
final class FsTarget implements Target {
    /** The file's path, on every target's file system. */
    static final String FILE = "/bench";

    private final DaxDevice device;
    private final FileSystem fs;
    private final OpenFile file;

    private FsTarget(DaxDevice device, FileSystem fs, OpenFile file) {
        this.device = device;
        this.fs = fs;
        this.file = file;
    }

    /**
     * {@code ext4:dioread_nolock} → type ext4 mounted with {@code dax,dioread_nolock};
     * {@code ext4+orphan_file} → ext4 made with that feature besides the type's defaults (mkfs -O).
     */
    static FsTarget open(String config, long fileSize) throws IOException {
        return open(config, fileSize, 0, false);
    }

    /**
     * As {@link #open(String, long)}, on a device of at least {@code minDevice} bytes (a multiple of
     * 4096); {@code populate}: every page of the device allocated first, as pmem has them (a
     * benchmark that keeps writing blocks never written before otherwise times the memfd's
     * first-touch faults).
     */
    static FsTarget open(String config, long fileSize, long minDevice, boolean populate) throws IOException {
        int colon = config.indexOf(':');
        String made = colon < 0 ? config : config.substring(0, colon);
        String options = colon < 0 ? "dax" : "dax," + config.substring(colon + 1);
        List<String> features = List.of(made.split("\\+"));
        String type = features.getFirst();
        FileSystemType t = FileSystemTypes.byName(type);
        long size = Math.max(minDevice, deviceSize(type, fileSize));
        DaxDevice device = populate ? PmemDevices.populatedMemory(size) : PmemDevices.memory(size);
        t.mkfs(device, MkfsOptions.defaults().withBlockSize(4096).withFeatures(features.subList(1, features.size())));
        FileSystem fs = Vfs.mount(t, device, MountOptions.parse(options));
        return new FsTarget(device, fs, fs.open(FILE, OpenFlags.O_RDWR | OpenFlags.O_CREAT));
    }

    /** A device for a file of {@code fileSize} bytes and the metadata around it, at least the type's minimum. */
    static long deviceSize(String type, long fileSize) throws IOException {
        return Math.max(FileSystemTypes.byName(type).minimumSize(), (fileSize + fileSize / 4 + (64L << 20)) & ~4095L);
    }

    DaxDevice device() {
        return device;
    }

    FileSystem fs() {
        return fs;
    }

    OpenFile file() {
        return file;
    }

    @Override
    public void read(long pos, MemorySegment dst) throws IOException {
        file.read(pos, dst);
    }

    @Override
    public void write(long pos, MemorySegment src) throws IOException {
        file.write(pos, src, 0);
    }

    @Override
    public void truncate(long size) throws IOException {
        file.truncate(size);
    }

    @Override
    public void close() throws IOException {
        file.close();
        fs.close();
        device.close();
    }
}
