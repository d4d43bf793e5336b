package dev.jdax.fs.xfs;

/**
 * What messages call a metadata block ("directory inode 131 free index block 8388608"), put into
 * words only when a message is made: the checks of every block read pass it, and almost none fails.
 * A null {@code kind} names the owner itself, a negative {@code block} its only block of that kind.
 */
record BlockName(String owner, long ownerNo, String kind, long block) {
    @Override
    public String toString() {
        return owner + " " + ownerNo + (kind == null ? "" : " " + kind) + (block < 0 ? "" : " " + block);
    }
}
