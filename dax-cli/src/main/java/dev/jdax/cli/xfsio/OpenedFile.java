package dev.jdax.cli.xfsio;

import dev.jdax.api.fs.OpenFile;

/** An entry of xfs_io's file table: the name it was opened by, the handle, the open flags. */
record OpenedFile(String name, OpenFile handle, int flags) {
}
