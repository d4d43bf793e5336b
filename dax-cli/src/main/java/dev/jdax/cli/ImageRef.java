package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A command-line name of a file inside an image: {@code IMAGE:/path} (CLI.md). The image part ends at
 * the first {@code ":/"}; {@code IMAGE:} alone names the root directory.
 */
record ImageRef(Path image, String path) {

    static ImageRef parse(String arg) throws FsException {
        int colon = arg.indexOf(":/");
        if (colon <= 0 && arg.endsWith(":") && arg.length() > 1) {
            return new ImageRef(Path.of(arg.substring(0, arg.length() - 1)), "/");
        }
        if (colon <= 0) {
            throw FsException.of(Errno.EINVAL, "%s: want IMAGE:/path (an image file, a colon, an absolute path in it)", arg);
        }
        return new ImageRef(Path.of(arg.substring(0, colon)), normalise(arg.substring(colon + 1)));
    }

    /** Whether {@code arg} names a file in an existing image rather than a host path (for {@code cp}). */
    static boolean isImageRef(String arg) {
        int colon = arg.indexOf(":/");
        if (colon <= 0 && !(arg.endsWith(":") && arg.length() > 1)) {
            return false;
        }
        String image = colon > 0 ? arg.substring(0, colon) : arg.substring(0, arg.length() - 1);
        return Files.exists(Path.of(image)) && !Files.isDirectory(Path.of(image));
    }

    /** The last component, for copying into a directory. */
    String name() {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        return p.substring(p.lastIndexOf('/') + 1);
    }

    /**
     * {@code e} with the command-line name {@code arg} before its message. A change of a directory
     * (mkdir, unlink, rename) fails naming the directory's inode and the name, which is what the
     * file system knows; the user typed a path, and the message should start with it, as
     * coreutils' do. An error that starts with a path already (the walk's, or the command's own)
     * is returned as it is.
     */
    static FsException naming(String arg, FsException e) {
        String m = e.getMessage();
        if (m != null && (m.startsWith(arg) || m.startsWith("/"))) {
            return e;
        }
        return new FsException(e.errno(), arg + ": " + m, e);
    }

    ImageRef child(String name) {
        return new ImageRef(image, path.equals("/") ? "/" + name : path + "/" + name);
    }

    private static String normalise(String p) {
        String s = p.replaceAll("/+", "/");
        return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public String toString() {
        return image + ":" + path;
    }
}
