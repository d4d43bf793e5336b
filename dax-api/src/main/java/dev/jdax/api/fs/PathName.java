package dev.jdax.api.fs;

/**
 * An absolute path with its components found, hashed and packed once, for a caller that asks about
 * the same path many times: a {@code java.nio.file.Path} object is immutable and programs keep
 * them, so the work Linux's walk does per call on a user's string ({@code hash_name}: a {@code
 * qstr} per component) is done here once per path object. A walk that takes one looks each
 * component up by the kept hash and, for a name of at most 16 Latin-1 characters, compares two
 * longs instead of the characters.
 *
 * <p>The component hash is {@link #hash(String, int, int)}: {@code String.hashCode} of the name,
 * spread over the low bits. The dentry cache hashes names it stores by the same function, which is
 * why it lives here. A path with {@code .} or {@code ..} among its components (a normalised
 * {@code java.nio.file} path has none), or with more than 64 components, is kept unhashed
 * ({@link #hashed()} false): its walk reads the string.
 */
public final class PathName {
    /** Names of at most this many characters below U+0100 are packed into two longs. */
    public static final int PACKED = 16;
    /** The most components a hashed path holds (the bit set of packed names is one long). */
    private static final int MOST = 64;
    private static final long[] NONE = {};

    private final String path;
    /** Per component, four longs: its start and end in the path, its hash, its packed characters (two). */
    private final long[] parts;
    private final long packedMask;
    private final boolean trailingSlash;

    private PathName(String path, long[] parts, long packedMask, boolean trailingSlash) {
        this.path = path;
        this.parts = parts;
        this.packedMask = packedMask;
        this.trailingSlash = trailingSlash;
    }

    /**
     * The path name of absolute {@code path}, hashed when it can be; empty components are left out
     * as a walk skips them.
     *
     * @param path an absolute path (one that is not is kept unhashed, for the walk to refuse)
     * @return its path name
     */
    public static PathName of(String path) {
        int n = path.length();
        if (n == 0 || path.charAt(0) != '/') {
            return new PathName(path, null, 0, false);
        }
        long[] parts = new long[4 * Math.min(MOST, count(path))];
        long mask = 0;
        int k = 0;
        int i = 1;
        while (i < n) {
            int j = path.indexOf('/', i);
            if (j < 0) {
                j = n;
            }
            if (j > i) {
                boolean dots = j - i <= 2 && path.charAt(i) == '.' && (j - i == 1 || path.charAt(i + 1) == '.');
                if (dots || k == MOST) {
                    return new PathName(path, null, 0, false);
                }
                parts[4 * k] = (long) i << 32 | j;
                parts[4 * k + 1] = hash(path, i, j);
                if (packable(path, i, j)) {
                    mask |= 1L << k;
                }
                parts[4 * k + 2] = pack(path, i, j);
                parts[4 * k + 3] = packHigh(path, i, j);
                k++;
            }
            i = j + 1;
        }
        if (4 * k < parts.length) {
            parts = k == 0 ? NONE : java.util.Arrays.copyOf(parts, 4 * k);
        }
        return new PathName(path, parts, mask, n > 1 && path.charAt(n - 1) == '/');
    }

    /** Components at most, counted by separators (empty and {@code .} ones included). */
    private static int count(String path) {
        int c = 0;
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '/') {
                c++;
            }
        }
        return c;
    }

    /** {@return the path as given} */
    public String path() {
        return path;
    }

    /** {@return whether the components are kept hashed} (false: the walk takes the string) */
    public boolean hashed() {
        return parts != null;
    }

    /** {@return how many components a hashed path has} */
    public int components() {
        return parts.length >> 2;
    }

    /** {@return where component {@code k} starts in the path} */
    public int from(int k) {
        return (int) (parts[4 * k] >>> 32);
    }

    /** {@return where component {@code k} ends in the path} */
    public int to(int k) {
        return (int) parts[4 * k];
    }

    /** {@return the hash of component {@code k}} */
    public int hash(int k) {
        return (int) parts[4 * k + 1];
    }

    /** {@return whether component {@code k} is packed}: at most {@link #PACKED} characters below U+0100 */
    public boolean packed(int k) {
        return (packedMask >>> k & 1) != 0;
    }

    /** {@return the first eight characters of component {@code k}, packed} */
    public long low(int k) {
        return parts[4 * k + 2];
    }

    /** {@return its characters 8 to 15, packed} */
    public long high(int k) {
        return parts[4 * k + 3];
    }

    /** {@return whether the path ends in a slash} (a directory is wanted) */
    public boolean trailingSlash() {
        return trailingSlash;
    }

    /**
     * The hash of the name {@code s[from, to)}: {@code String.hashCode}'s, spread over the low bits.
     *
     * @param s    a string
     * @param from the name's start
     * @param to   its end
     * @return its hash
     */
    public static int hash(String s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + s.charAt(i);
        }
        return spread(h);
    }

    /**
     * {@code String.hashCode} {@code h} of a whole name spread as {@link #hash(String, int, int)}
     * spreads it.
     *
     * @param h a string's hash code
     * @return the name's hash
     */
    public static int spread(int h) {
        return h ^ (h >>> 16);
    }

    /**
     * Whether {@code s[from, to)} packs into two longs: at most {@link #PACKED} characters, each below U+0100.
     *
     * @param s    a string
     * @param from the name's start
     * @param to   its end
     * @return whether it packs
     */
    public static boolean packable(String s, int from, int to) {
        if (to - from > PACKED) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (s.charAt(i) > 0xFF) {
                return false;
            }
        }
        return true;
    }

    /**
     * Characters {@code [from, from + 8)} of {@code s[.., to)} as the bytes of a long, the first in
     * the lowest byte, zeros past {@code to}.
     *
     * @param s    a string
     * @param from the first character
     * @param to   the name's end
     * @return the packed characters
     */
    public static long pack(String s, int from, int to) {
        long v = 0;
        for (int i = Math.min(to, from + 8) - 1; i >= from; i--) {
            v = v << 8 | s.charAt(i);
        }
        return v;
    }

    /**
     * Characters 8 to 15 of the name {@code s[from, to)} packed as {@link #pack} packs the first
     * eight (zero for a name of at most eight).
     *
     * @param s    a string
     * @param from the name's start
     * @param to   its end
     * @return the packed characters
     */
    public static long packHigh(String s, int from, int to) {
        return to - from > 8 ? pack(s, from + 8, to) : 0;
    }

    @Override
    public String toString() {
        return path;
    }
}
