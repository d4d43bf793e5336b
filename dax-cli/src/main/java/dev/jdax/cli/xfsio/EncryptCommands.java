package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.EncryptionPolicy;

import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.List;

/**
 * fscrypt's commands (io/encrypt.c, xfsprogs 6.1): {@code get_encpolicy}, {@code set_encpolicy},
 * {@code add_enckey}, {@code rm_enckey} and {@code enckey_status}, their options and refusals as
 * xfs_io's, over the file system's answers ({@code FileSystem#encryptionPolicy} and the key calls:
 * ENOTTY on XFS and fs/ext2, EOPNOTSUPP on ext4 made without {@code encrypt}; jdax holds no keys).
 */
final class EncryptCommands {
    /** The modes xfs_io names (FSCRYPT_MODE_*), in its order. */
    private static final String[] MODE_NAMES = {"AES-256-XTS", "AES-256-CTS", "AES-128-CBC", "AES-128-CTS", "Adiantum"};
    private static final int[] MODES = {1, 4, 5, 6, 9};
    /** FSCRYPT_MAX_KEY_SIZE: the most add_enckey reads from standard input. */
    private static final int MAX_KEY_SIZE = 64;

    private EncryptCommands() {
    }

    /** {@code get_encpolicy [-1] [-t]}. */
    static final class GetEncpolicy extends NamedCommand {
        GetEncpolicy() {
            super("get_encpolicy", null, "[-1] [-t]", "display the encryption policy of the current file", Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            boolean v1Only = false;
            GetOpt g = p.getopt(argv, "1t");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case '1' -> v1Only = true;
                    case 't' -> {
                        testV2(p);
                        return;
                    }
                    default -> {
                        usage(p, this);
                        return;
                    }
                }
            }
            if (g.optind() != argv.size()) {
                usage(p, this);
                return;
            }
            String name = p.file().name();
            EncryptionPolicy policy;
            try {
                policy = p.fs().encryptionPolicy(p.file().handle().ino(), v1Only);
            } catch (FsException e) {
                p.out().err(name + ": failed to get encryption policy: " + e.errno().message());
                p.setExitCode(1);
                return;
            }
            p.out().out("Encryption policy for " + name + ":");
            boolean v1 = policy.version() == EncryptionPolicy.V1;
            p.out().out("\tPolicy version: " + policy.version());
            p.out().out("\tMaster key " + (v1 ? "descriptor" : "identifier") + ": " + HexFormat.of().formatHex(policy.masterKey()));
            p.out().out("\tContents encryption mode: " + policy.contentsMode() + " (" + modeName(policy.contentsMode()) + ")");
            p.out().out("\tFilenames encryption mode: " + policy.filenamesMode() + " (" + modeName(policy.filenamesMode()) + ")");
            p.out().out(String.format("\tFlags: 0x%02x", policy.flags()));
        }

        /**
         * test_for_v2_policy_support: the new ioctl answering, or answering ENODATA (a file that is
         * not encrypted), is "supported"; ENOTTY "unsupported"; anything else an error.
         */
        private static void testV2(XfsIoProcess p) {
            try {
                p.fs().encryptionPolicy(p.file().handle().ino(), false);
            } catch (FsException e) {
                switch (e.errno()) {
                    case ENODATA -> { }
                    case ENOTTY -> {
                        p.out().out("unsupported");
                        return;
                    }
                    default -> {
                        p.out().err(p.file().name() + ": unexpected error checking for FS_IOC_GET_ENCRYPTION_POLICY_EX support: "
                                + e.errno().message());
                        p.setExitCode(1);
                        return;
                    }
                }
            }
            p.out().out("supported");
        }
    }

    /** {@code set_encpolicy [-c mode] [-n mode] [-f flags] [-v version] [keyspec]}. */
    static final class SetEncpolicy extends NamedCommand {
        SetEncpolicy() {
            super("set_encpolicy", null, "[-c mode] [-n mode] [-f flags] [-v version] [keyspec]",
                    "assign an encryption policy to the current file", Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            int contents = 1;    // AES-256-XTS
            int filenames = 4;   // AES-256-CTS
            int flags = 0x02;    // FSCRYPT_POLICY_FLAGS_PAD_16
            int version = -1;    // unspecified
            GetOpt g = p.getopt(argv, "c:n:f:v:");
            for (int c; (c = g.next()) != -1; ) {
                String arg = g.optarg();
                int value = c == 'c' || c == 'n' ? mode(arg) : c == 'f' || c == 'v' ? byteValue(arg) : -2;
                if (value == -2) {
                    p.setExitCode(1);
                    usage(p, this);
                    return;
                }
                if (value < 0) {
                    String what = switch (c) {
                        case 'c' -> "invalid contents encryption mode: ";
                        case 'n' -> "invalid filenames encryption mode: ";
                        case 'f' -> "invalid flags: ";
                        default -> "invalid policy version: ";
                    };
                    p.out().err(what + arg);
                    p.setExitCode(1);
                    return;
                }
                switch (c) {
                    case 'c' -> contents = value;
                    case 'n' -> filenames = value;
                    case 'f' -> flags = value;
                    default -> version = value == 1 ? EncryptionPolicy.V1 : value; // "-v 1" means v1, whose number is 0
                }
            }
            List<String> rest = argv.subList(g.optind(), argv.size());
            if (rest.size() > 1) {
                p.setExitCode(1);
                usage(p, this);
                return;
            }
            byte[] key = null;
            if (!rest.isEmpty()) {
                KeySpec spec = keySpec(p, rest.get(0), version);
                if (spec == null) {
                    return;
                }
                key = spec.bytes();
                version = spec.version();
            }
            if (version < 0) {
                version = EncryptionPolicy.V1;
            }
            if (key == null) {
                // The key defaults to all zeros, of the version's size (unknown versions take v1's).
                key = new byte[version == EncryptionPolicy.V2 ? EncryptionPolicy.IDENTIFIER_SIZE : EncryptionPolicy.DESCRIPTOR_SIZE];
            }
            try {
                p.fs().setEncryptionPolicy(p.file().handle().ino(), new EncryptionPolicy(version, contents, filenames, flags, key));
            } catch (FsException e) {
                p.out().err(p.file().name() + ": failed to set encryption policy: " + e.errno().message());
                p.setExitCode(1);
            }
        }
    }

    /** {@code add_enckey [-d descriptor] [-k key_id]}: the raw key from standard input unless {@code -k}. */
    static final class AddEnckey extends NamedCommand {
        AddEnckey() {
            super("add_enckey", null, "[-d descriptor] [-k key_id]", "add an encryption key to the filesystem", Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            byte[] spec = new byte[EncryptionPolicy.IDENTIFIER_SIZE];
            long keyId = 0;
            GetOpt g = p.getopt(argv, "d:k:");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'd' -> {
                        spec = hex(g.optarg(), EncryptionPolicy.DESCRIPTOR_SIZE);
                        if (spec == null) {
                            p.out().err("invalid key descriptor: " + g.optarg());
                            return;
                        }
                    }
                    case 'k' -> {
                        Long id = Strtoull.parse(g.optarg());
                        keyId = g.optarg().isBlank() || id == null || id <= 0 || id > Integer.MAX_VALUE ? 0 : id;
                        if (keyId == 0) {
                            p.out().err("invalid key ID: " + g.optarg());
                            return;
                        }
                    }
                    default -> {
                        p.setExitCode(1);
                        usage(p, this);
                        return;
                    }
                }
            }
            if (g.optind() != argv.size()) {
                p.setExitCode(1);
                usage(p, this);
                return;
            }
            byte[] raw = new byte[0];
            if (keyId == 0) {
                try {
                    raw = readKey(System.in);
                } catch (IOException e) {
                    p.out().err("Error reading key from stdin: " + e.getMessage());
                    p.setExitCode(1);
                    return;
                }
                if (raw.length > MAX_KEY_SIZE) {
                    p.out().err("Invalid key; got > FSCRYPT_MAX_KEY_SIZE (" + MAX_KEY_SIZE + ") bytes on stdin!");
                    p.setExitCode(1);
                    return;
                }
            }
            try {
                p.fs().addEncryptionKey(spec, raw);
            } catch (FsException e) {
                p.out().err("Error adding encryption key: " + e.errno().message());
                p.setExitCode(1);
            }
        }

        /** read_until_limit_or_eof: at most one byte more than a key can have. */
        private static byte[] readKey(InputStream in) throws IOException {
            return in.readNBytes(MAX_KEY_SIZE + 1);
        }
    }

    /** {@code rm_enckey [-a] keyspec}. */
    static final class RmEnckey extends NamedCommand {
        RmEnckey() {
            super("rm_enckey", null, "[-a] keyspec", "remove an encryption key from the filesystem", Arguments.ANY, 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            boolean allUsers = false;
            GetOpt g = p.getopt(argv, "a");
            for (int c; (c = g.next()) != -1; ) {
                if (c != 'a') {
                    p.setExitCode(1);
                    usage(p, this);
                    return;
                }
                allUsers = true;
            }
            if (argv.size() - g.optind() != 1) {
                p.setExitCode(1);
                usage(p, this);
                return;
            }
            KeySpec spec = keySpec(p, argv.get(g.optind()), -1);
            if (spec == null) {
                return;
            }
            try {
                p.fs().removeEncryptionKey(spec.bytes(), allUsers);
            } catch (FsException e) {
                p.out().err("Error removing encryption key: " + e.errno().message());
                p.setExitCode(1);
            }
        }
    }

    /** {@code enckey_status keyspec}. */
    static final class EnckeyStatus extends NamedCommand {
        EnckeyStatus() {
            super("enckey_status", null, "keyspec", "get the status of a filesystem encryption key", Arguments.exactly(1), 0);
        }

        @Override
        public void run(XfsIoProcess p, List<String> argv) {
            KeySpec spec = keySpec(p, argv.get(1), -1);
            if (spec == null) {
                return;
            }
            int status;
            try {
                status = p.fs().encryptionKeyStatus(spec.bytes());
            } catch (FsException e) {
                p.out().err("Error getting encryption key status: " + e.errno().message());
                p.setExitCode(1);
                return;
            }
            p.out().out(switch (status) {
                case 1 -> "Absent";
                case 2 -> "Present";
                case 3 -> "Incompletely removed";
                default -> "Unknown status (" + status + ")";
            });
        }
    }

    /** A key specifier and the policy version its length says. */
    private record KeySpec(byte[] bytes, int version) {
    }

    /**
     * str2keyspec: 16 hex digits are a v1 descriptor, 32 a v2 identifier; with a version given, its
     * kind is required. Null after the complaint and exit code 1.
     */
    private static KeySpec keySpec(XfsIoProcess p, String text, int version) {
        if (version < 0) {
            if (text.length() == 2 * EncryptionPolicy.DESCRIPTOR_SIZE) {
                version = EncryptionPolicy.V1;
            } else if (text.length() == 2 * EncryptionPolicy.IDENTIFIER_SIZE) {
                version = EncryptionPolicy.V2;
            } else {
                p.out().err("invalid key specifier: " + text);
                p.setExitCode(1);
                return null;
            }
        }
        boolean v2 = version == EncryptionPolicy.V2;
        byte[] b = hex(text, v2 ? EncryptionPolicy.IDENTIFIER_SIZE : EncryptionPolicy.DESCRIPTOR_SIZE);
        if (b == null) {
            p.out().err((v2 ? "invalid key identifier: " : "invalid key descriptor: ") + text);
            p.setExitCode(1);
            return null;
        }
        return new KeySpec(b, version);
    }

    /** hex2bin: exactly {@code size} bytes of ASCII hex digits (either case), or null. */
    private static byte[] hex(String text, int size) {
        if (text.length() != 2 * size) {
            return null;
        }
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** parse_mode: one of the names, or a byte value. */
    private static int mode(String arg) {
        for (int i = 0; i < MODE_NAMES.length; i++) {
            if (MODE_NAMES[i].equals(arg)) {
                return MODES[i];
            }
        }
        return byteValue(arg);
    }

    /** parse_byte_value: strtol(arg, 0) of 0..255 with nothing after the digits, else -1. */
    private static int byteValue(String arg) {
        Long v = arg.isBlank() ? null : Strtoull.parse(arg);
        return v == null || v < 0 || v > 255 ? -1 : (int) (long) v;
    }

    /** mode2str: the mode's name, or its number in hex. */
    private static String modeName(int mode) {
        for (int i = 0; i < MODES.length; i++) {
            if (MODES[i] == mode) {
                return MODE_NAMES[i];
            }
        }
        return String.format("0x%02x", mode);
    }

    /** command_usage, whose exit code xfs_io's encrypt commands set themselves (get_encpolicy does not). */
    private static void usage(XfsIoProcess p, NamedCommand cmd) {
        int code = p.exitCode();
        p.usage(cmd);
        p.setExitCode(code);
    }
}
