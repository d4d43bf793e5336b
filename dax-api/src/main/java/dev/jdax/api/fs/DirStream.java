package dev.jdax.api.fs;

import java.util.List;

/**
 * A directory as getdents lists it ({@code iterate_shared}): every entry in the file system's
 * order, {@code .} and {@code ..} where it puts them, each with the position ({@code ctx->pos}) it
 * is emitted at, and the position after the last. A reader's telldir gives the position of the
 * entry it reads next, so an entry's {@code d_off} is the next entry's position, and the last
 * one's is {@link #end}.
 *
 * @param entries the entries, in order
 * @param end     the position after the last entry
 */
public record DirStream(List<Entry> entries, long end) {
    /**
     * One entry.
     *
     * @param name its name
     * @param ino  the inode it names
     * @param type its type as the directory records it ({@link FileType#UNKNOWN} where it records none)
     * @param pos  the position it is emitted at
     */
    public record Entry(String name, long ino, FileType type, long pos) {
    }

    /**
     * {@code d_off} of entry {@code i}: the position of the entry after it, or {@link #end}.
     *
     * @param i the entry's index
     * @return the position a reader resumes from after it
     */
    public long offsetAfter(int i) {
        return i + 1 < entries.size() ? entries.get(i + 1).pos() : end;
    }
}
