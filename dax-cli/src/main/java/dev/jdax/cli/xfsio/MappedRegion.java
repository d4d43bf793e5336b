package dev.jdax.cli.xfsio;

import dev.jdax.api.fs.FileMapping;

/** An entry of xfs_io's mapping table: the file it maps, the mapping, and whether PROT_EXEC was asked for. */
record MappedRegion(String name, FileMapping mapping, boolean exec) {
    long offset() {
        return mapping.fileOffset();
    }

    long length() {
        return mapping.length();
    }
}
