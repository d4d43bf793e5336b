package dev.jdax.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A device's bad 512-byte sectors, kept merged and sorted, in the text form of Linux's
 * {@code /sys/block/pmemN/badblocks} ({@code SECTOR COUNT} per line). Thread-safe; the empty
 * check is a single volatile read because the data path asks it on every access.
 */
public final class BadBlocks {
    private final TreeMap<Long, Long> runs = new TreeMap<>(); // first sector -> end (exclusive)
    private final List<Consumer<BadRange>> onAdd = new CopyOnWriteArrayList<>();
    private volatile int runCount;
    private volatile long additions;

    /** A device with no bad sector yet. */
    public BadBlocks() {
    }

    /** Marks {@code count} sectors from {@code sector} bad. */
    public void add(long sector, long count) {
        BadRange added = new BadRange(sector, count);
        synchronized (runs) {
            long start = sector;
            long end = sector + count;
            Map.Entry<Long, Long> before = runs.floorEntry(start);
            if (before != null && before.getValue() >= start) {
                start = before.getKey();
                end = Math.max(end, before.getValue());
            }
            Map.Entry<Long, Long> next;
            while ((next = runs.ceilingEntry(start)) != null && next.getKey() <= end) {
                end = Math.max(end, next.getValue());
                runs.remove(next.getKey());
            }
            runs.put(start, end);
            runCount = runs.size();
            additions++;
        }
        for (Consumer<BadRange> listener : onAdd) {
            listener.accept(added);
        }
    }

    /** Marks {@code count} sectors from {@code sector} good again; sectors not listed are ignored. */
    public void clear(long sector, long count) {
        new BadRange(sector, count); // validates
        long end = sector + count;
        synchronized (runs) {
            Map.Entry<Long, Long> e = runs.lowerEntry(end);
            while (e != null && e.getValue() > sector) {
                long s = e.getKey();
                long t = e.getValue();
                runs.remove(s);
                if (s < sector) {
                    runs.put(s, sector);
                }
                if (t > end) {
                    runs.put(end, t);
                }
                e = runs.lowerEntry(s);
            }
            runCount = runs.size();
        }
    }

    /**
     * How many times sectors were added so far: a range found clean stays clean while this stays the
     * same, so a window checked once may be used again (it changes after the sectors are listed).
     */
    public long additions() {
        return additions;
    }

    /** Whether no sector is bad (one volatile read). */
    public boolean isEmpty() {
        return runCount == 0;
    }

    /** The first bad sector in {@code [sector, sector + count)}, or -1 when there is none. */
    public long firstBad(long sector, long count) {
        if (runCount == 0) {
            return -1;
        }
        long end = sector + count;
        synchronized (runs) {
            Map.Entry<Long, Long> e = runs.floorEntry(sector);
            if (e != null && e.getValue() > sector) {
                return sector;
            }
            Long next = runs.ceilingKey(sector);
            return next != null && next < end ? next : -1;
        }
    }

    /** True when any sector in {@code [sector, sector + count)} is bad. */
    public boolean any(long sector, long count) {
        return firstBad(sector, count) >= 0;
    }

    /** The bad runs, sorted and merged. */
    public List<BadRange> list() {
        synchronized (runs) {
            List<BadRange> out = new ArrayList<>(runs.size());
            runs.forEach((s, e) -> out.add(new BadRange(s, e - s)));
            return out;
        }
    }

    /** Called with every range added (a device scrambles the sectors' bytes, as real poison does). */
    public void onAdd(Consumer<BadRange> listener) {
        onAdd.add(listener);
    }

    /** {@code SECTOR COUNT} per line, as in {@code /sys/block/pmemN/badblocks}. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        for (BadRange r : list()) {
            sb.append(r.sector()).append(' ').append(r.count()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Parses the text form (blank lines and {@code #} comments ignored) into this list.
     *
     * @param source names the text in error messages (a file name)
     */
    public void addAll(String text, String source) throws FsException {
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] f = t.split("\\s+");
            try {
                if (f.length != 2) {
                    throw new NumberFormatException("want two fields");
                }
                long sector = Long.parseLong(f[0]);
                long count = Long.parseLong(f[1]);
                if (sector < 0 || count <= 0) {
                    throw new NumberFormatException("negative sector or count not positive");
                }
                add(sector, count);
            } catch (NumberFormatException e) {
                throw FsException.of(Errno.EINVAL, "%s:%d: bad-block line \"%s\": want \"SECTOR COUNT\" (%s)",
                        source, lineNo, t, e.getMessage());
            }
        }
    }
}
