package dev.jdax.cli.xfsio;

import dev.jdax.api.fs.FileMapping;

/** An entry of xfs_io's mapping table: the file it maps, the mapping, and the protection asked for (as listed). */
record MappedRegion(String name, FileMapping mapping, int prot) {
    /** mmap's PROT_EXEC, which jdax's mappings do not take: kept here only to be listed. */
    static final int PROT_EXEC = 0x4;

    long offset() {
        return mapping.fileOffset();
    }

    long length() {
        return mapping.length();
    }
}
