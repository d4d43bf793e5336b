package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mount options as {@code mount -o} takes them: {@code "dax=always,dioread_nolock,ro"}. Options
 * without a value map to the empty string. Options every personality understands are read by the
 * engine and the VFS ({@code ro}, {@code media_errors=recovery_write|direct_io_bypass}, {@code locking=...},
 * the atime options, {@code lazytime});
 * a personality refuses options it does not know with EINVAL, naming them ({@link #requireKnown}).
 */
public final class MountOptions {
    /** Options the engine and the VFS read on behalf of every personality (the atime ones: {@link AtimeRule}). */
    public static final java.util.Set<String> GENERIC = java.util.stream.Stream.concat(
            java.util.stream.Stream.of("ro", "rw", "media_errors", "locking", "lazytime", "nolazytime"), AtimeRule.OPTIONS.stream())
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    private final Map<String, String> options;

    private MountOptions(Map<String, String> options) {
        this.options = Collections.unmodifiableMap(options);
    }

    /** No options. */
    public static MountOptions none() {
        return new MountOptions(new LinkedHashMap<>());
    }

    /** Parses a comma-separated list; later options override earlier ones. */
    public static MountOptions parse(String text) throws FsException {
        Map<String, String> m = new LinkedHashMap<>();
        if (text != null && !text.isBlank()) {
            for (String part : text.split(",")) {
                String p = part.strip();
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                String key = eq < 0 ? p : p.substring(0, eq);
                if (key.isEmpty()) {
                    throw FsException.of(Errno.EINVAL, "mount option \"%s\": no name", p);
                }
                m.put(key, eq < 0 ? "" : p.substring(eq + 1));
            }
        }
        return new MountOptions(m);
    }

    /**
     * {@code lazytime} (SB_LAZYTIME), the last of {@code lazytime} and {@code nolazytime} deciding:
     * times that change alone (an access, a write that does not change the size) are kept in core
     * and written with the inode's next change, at fsync, sync or unmount. Off by default, as on
     * Linux 6.1 (the kernel's fs_context leaves it off unless asked).
     *
     * @return whether the mount keeps lone time changes in core
     */
    public boolean lazytime() {
        boolean lazy = false;
        for (String k : options.keySet()) {
            if (k.equals("lazytime")) {
                lazy = true;
            } else if (k.equals("nolazytime")) {
                lazy = false;
            }
        }
        return lazy;
    }

    /** This with {@code key[=value]} added or replaced. */
    public MountOptions with(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(options);
        m.put(key, value == null ? "" : value);
        return new MountOptions(m);
    }

    /** Whether {@code key} was given (with or without a value). */
    public boolean has(String key) {
        return options.containsKey(key);
    }

    /** The value of {@code key}, or {@code fallback} when it is absent. */
    public String value(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    /** Whether the mount is read-only: {@code ro} given and not {@code rw}. */
    public boolean readOnly() {
        return options.containsKey("ro") && !options.containsKey("rw");
    }

    /** The options in the order given, keys to values ({@code ""} for a bare key); unmodifiable. */
    public Map<String, String> asMap() {
        return options;
    }

    /** Fails with EINVAL naming every option that is neither generic nor in {@code known}. */
    public void requireKnown(String fsName, Collection<String> known) throws FsException {
        StringBuilder bad = new StringBuilder();
        for (String k : options.keySet()) {
            if (!GENERIC.contains(k) && !known.contains(k)) {
                bad.append(bad.isEmpty() ? "" : ", ").append(k);
            }
        }
        if (!bad.isEmpty()) {
            java.util.SortedSet<String> all = new java.util.TreeSet<>(known);
            all.addAll(GENERIC);
            throw FsException.of(Errno.EINVAL, "%s: unknown mount option(s): %s (known: %s)", fsName, bad,
                    String.join(", ", all));
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        options.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ",").append(k).append(v.isEmpty() ? "" : "=" + v));
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MountOptions m && m.options.equals(options);
    }

    @Override
    public int hashCode() {
        return options.hashCode();
    }
}
