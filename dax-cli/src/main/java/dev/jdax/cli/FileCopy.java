package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFile;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Streams a file's bytes between an image and the host, a megabyte at a time. */
final class FileCopy {
    private static final int CHUNK = 1 << 20;

    private FileCopy() {
    }

    /** Copies the whole of {@code src} to {@code out}; returns the bytes copied. */
    static long toStream(OpenFile src, OutputStream out, String name) throws FsException {
        byte[] buf = new byte[CHUNK];
        long pos = 0;
        try {
            while (true) {
                long n = read(src, pos, buf, name);
                if (n <= 0) {
                    break;
                }
                out.write(buf, 0, (int) n);
                pos += n;
            }
            out.flush();
        } catch (IOException e) {
            throw HostErrors.of(e, name);
        }
        return pos;
    }

    /** A read of {@code src}; a directory is named by the path given, as cat's "cat: /: Is a directory". */
    private static long read(OpenFile src, long pos, byte[] buf, String name) throws FsException {
        try {
            return src.read(pos, buf, 0, buf.length);
        } catch (FsException e) {
            if (e.errno() == Errno.EISDIR) {
                throw FsException.of(Errno.EISDIR, "%s: is a directory", name);
            }
            throw e;
        }
    }

    /** Copies {@code in} into {@code dst} from offset 0; returns the bytes copied. */
    static long fromStream(InputStream in, OpenFile dst, String name) throws FsException {
        byte[] buf = new byte[CHUNK];
        long pos = 0;
        try {
            int n;
            while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                int done = 0;
                while (done < n) {
                    long w = dst.write(pos, buf, done, n - done);
                    if (w <= 0) {
                        throw FsException.of(Errno.EIO, "%s: write at %d made no progress", name, pos);
                    }
                    done += (int) w;
                    pos += w;
                }
            }
        } catch (IOException e) {
            throw HostErrors.of(e, name);
        }
        return pos;
    }
}
