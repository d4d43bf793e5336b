package dev.jdax.cli.compare;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;

/**
 * A column of the comparison: a personality and the mount options it adds
 * ({@code ext4:dioread_nolock}). {@link #linuxConfig()} names the reference configuration
 * measured the same way on Linux.
 */
public record PersonalityConfig(String label, String type, String options) {
    public static final String DEFAULT_LIST = "ext2,ext4,ext4:dioread_nolock,xfs";

    /** Parses {@code --fs}: names with optional {@code :options} ({@code +} joins several options). */
    public static List<PersonalityConfig> parseList(String list) throws FsException {
        List<PersonalityConfig> out = new ArrayList<>();
        for (String item : list.split(",")) {
            String s = item.strip();
            if (s.isEmpty()) {
                continue;
            }
            int colon = s.indexOf(':');
            String type = colon < 0 ? s : s.substring(0, colon);
            String opts = colon < 0 ? "" : s.substring(colon + 1).replace('+', ',');
            if (type.isEmpty()) {
                throw FsException.of(Errno.EINVAL, "--fs \"%s\": no file-system type before ':'", s);
            }
            out.add(new PersonalityConfig(s, type, opts));
        }
        if (out.isEmpty()) {
            throw FsException.of(Errno.EINVAL, "--fs \"%s\": no file-system types", list);
        }
        return out;
    }

    /** The reference configuration directory: {@code ext4:dioread_nolock} is {@code ext4-dioread_nolock}. */
    public String linuxConfig() {
        return label.replace(':', '-').replace('+', ',');
    }
}
