package dev.jdax.cli.xfsio;

import dev.jdax.api.fs.FileMapping;

/** An entry of xfs_io's mapping table: the file it maps and the mapping. */
record MappedRegion(String name, FileMapping mapping) {
    long offset() {
        return mapping.fileOffset();
    }

    long length() {
        return mapping.length();
    }
}
