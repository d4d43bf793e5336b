package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;

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
     * {@code e} as the user should read it, naming what they typed ({@code typed}: this reference
     * as given, or {@code "A -> B"}), as coreutils' messages start with the operand. A change of a
     * directory (mkdir, unlink, rename) fails naming the directory's inode and the name, which is
     * what the file system knows: {@code typed} goes before it. A path walk's error starts with the
     * path inside the image that failed (the whole path, or the component that is not a directory):
     * it is named as {@code IMAGE:/path}, the form the user types. A message that starts with
     * {@code typed} already (the command's own) is left as it is.
     */
    FsException naming(String typed, FsException e) {
        String m = e.getMessage();
        if (m != null && m.startsWith(typed)) {
            return e;
        }
        String named = m != null && m.startsWith("/") ? image + ":" + m : typed + ": " + m;
        return new FsException(e.errno(), named, e);
    }

    /** This file opened in {@code fs} with {@code flags}; a failure named as {@link #naming} names it. */
    OpenFile open(FileSystem fs, int flags, String typed) throws FsException {
        try {
            return fs.open(path, flags);
        } catch (FsException e) {
            throw naming(typed, e);
        }
    }

    /**
     * Mounts this reference's image with {@code options} and does {@code work} on it; a failure of
     * the work is named as {@link #naming} names it (the mount's own names the image already).
     */
    void onMounted(String options, String typed, Work work) throws FsException {
        try (ImageSession session = ImageSession.mount(image, options)) {
            try {
                work.on(session.fs());
            } catch (FsException e) {
                throw naming(typed, e);
            }
        }
    }

    /** What a command does on a mounted image. */
    @FunctionalInterface
    interface Work {
        void on(FileSystem fs) throws FsException;
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
