package dev.jdax.cli.xfsio;

import java.util.Locale;

/**
 * The lines xfs_io prints after a transfer and for {@code -v} dumps, formatted as xfsprogs does
 * ({@code libxcmd/command.c report_io_times}, {@code libfrog/convert.c cvtstr},
 * {@code libxcmd/input.c timestr}, {@code io/pread.c dump_buffer}).
 */
final class Reports {
    private Reports() {
    }

    /** {@code "wrote 4096/4096 bytes at offset 0"} and the timing line under it. */
    static void transfer(XfsIoOutput out, String verb, long offset, long count, long total, int ops, long nanos) {
        double secs = Math.max(nanos, 1) / 1e9;
        out.out(String.format(Locale.ROOT, "%s %d/%d bytes at offset %d", verb, total, count, offset));
        out.out(String.format(Locale.ROOT, "%s, %d ops; %s (%s/sec and %.4f ops/sec)", size(total), ops,
                time(nanos), size(total / secs), ops / secs));
    }

    /** {@code cvtstr}: a byte count in the largest binary unit it reaches. */
    static String size(double value) {
        String[] units = {"EiB", "PiB", "TiB", "GiB", "MiB", "KiB"};
        int[] shifts = {60, 50, 40, 30, 20, 10};
        // cvtstr's test, cast and all: C's (int) conversion makes values of 2 GiB and more "imprecise".
        boolean precise = value * 1000 == (double) (int) value * 1000;
        for (int i = 0; i < units.length; i++) {
            double unit = Math.scalb(1.0, shifts[i]);
            if (value >= unit) {
                return String.format(Locale.ROOT, precise ? "%.0f %s" : "%.3f %s", value / unit, units[i]);
            }
        }
        return String.format(Locale.ROOT, "%f bytes", value);
    }

    /** {@code timestr} without {@code -C}: {@code "0.0011 sec"} under a second, else {@code "H:MM:SS.hh"}. */
    static String time(long nanos) {
        long micros = nanos / 1000;
        long sec = micros / 1_000_000;
        long usec = micros % 1_000_000;
        if (sec == 0) {
            return String.format(Locale.ROOT, "0.%04d sec", usec / 100);
        }
        return String.format(Locale.ROOT, "%d:%02d:%02d.%02d", sec / 3600, (sec % 3600) / 60, sec % 60, usec / 10000);
    }

    /** {@code dump_buffer}: 16 bytes a line, offset in hex, then the alphanumeric ones as text. */
    static void dump(XfsIoOutput out, long offset, byte[] buf, int len) {
        StringBuilder sb = new StringBuilder(80);
        for (int i = 0; i < len; i += 16) {
            sb.setLength(0);
            sb.append(String.format(Locale.ROOT, "%08x:  ", offset + i));
            int n = Math.min(16, len - i);
            for (int j = 0; j < n; j++) {
                sb.append(Character.forDigit((buf[i + j] >> 4) & 0xf, 16))
                        .append(Character.forDigit(buf[i + j] & 0xf, 16)).append(' ');
            }
            sb.append(' ');
            for (int j = 0; j < n; j++) {
                int c = buf[i + j] & 0xff;
                boolean alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                sb.append(alnum ? (char) c : '.');
            }
            out.out(sb.toString());
        }
    }
}
