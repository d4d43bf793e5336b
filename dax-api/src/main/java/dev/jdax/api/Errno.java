package dev.jdax.api;

/**
 * Linux error numbers (x86_64 values) with glibc's {@code strerror} text, because jdax prints
 * errors the way {@code xfs_io} and the shell do ({@code pwrite: No space left on device}).
 */
public enum Errno {
    /** Operation not permitted (1). */
    EPERM(1, "Operation not permitted"),
    /** No such file or directory (2). */
    ENOENT(2, "No such file or directory"),
    /** Interrupted system call (4). */
    EINTR(4, "Interrupted system call"),
    /** Input/output error (5). */
    EIO(5, "Input/output error"),
    /** No such device or address (6). */
    ENXIO(6, "No such device or address"),
    /** Argument list too long (7). */
    E2BIG(7, "Argument list too long"),
    /** Bad file descriptor (9). */
    EBADF(9, "Bad file descriptor"),
    /** Resource temporarily unavailable (11). */
    EAGAIN(11, "Resource temporarily unavailable"),
    /** Cannot allocate memory (12). */
    ENOMEM(12, "Cannot allocate memory"),
    /** Permission denied (13). */
    EACCES(13, "Permission denied"),
    /** Bad address (14). */
    EFAULT(14, "Bad address"),
    /** Block device required (15). */
    ENOTBLK(15, "Block device required"),
    /** Device or resource busy (16). */
    EBUSY(16, "Device or resource busy"),
    /** File exists (17). */
    EEXIST(17, "File exists"),
    /** Invalid cross-device link (18). */
    EXDEV(18, "Invalid cross-device link"),
    /** No such device (19). */
    ENODEV(19, "No such device"),
    /** Not a directory (20). */
    ENOTDIR(20, "Not a directory"),
    /** Is a directory (21). */
    EISDIR(21, "Is a directory"),
    /** Invalid argument (22). */
    EINVAL(22, "Invalid argument"),
    /** Too many open files in system (23). */
    ENFILE(23, "Too many open files in system"),
    /** Too many open files (24). */
    EMFILE(24, "Too many open files"),
    /** Inappropriate ioctl for device (25). */
    ENOTTY(25, "Inappropriate ioctl for device"),
    /** Text file busy (26). */
    ETXTBSY(26, "Text file busy"),
    /** File too large (27). */
    EFBIG(27, "File too large"),
    /** No space left on device (28). */
    ENOSPC(28, "No space left on device"),
    /** Illegal seek (29). */
    ESPIPE(29, "Illegal seek"),
    /** Read-only file system (30). */
    EROFS(30, "Read-only file system"),
    /** Too many links (31). */
    EMLINK(31, "Too many links"),
    /** Numerical result out of range (34). */
    ERANGE(34, "Numerical result out of range"),
    /** File name too long (36). */
    ENAMETOOLONG(36, "File name too long"),
    /** Function not implemented (38). */
    ENOSYS(38, "Function not implemented"),
    /** Directory not empty (39). */
    ENOTEMPTY(39, "Directory not empty"),
    /** Too many levels of symbolic links (40). */
    ELOOP(40, "Too many levels of symbolic links"),
    /** Invalid exchange (52): a dedupe of ranges whose contents differ. */
    EBADE(52, "Invalid exchange"),
    /** No data available (61). */
    ENODATA(61, "No data available"),
    /** Bad message (74). */
    EBADMSG(74, "Bad message"),
    /** Value too large for defined data type (75). */
    EOVERFLOW(75, "Value too large for defined data type"),
    /** Message too long (90). */
    EMSGSIZE(90, "Message too long"),
    /** Operation not supported (95). */
    EOPNOTSUPP(95, "Operation not supported"),
    /** No buffer space available (105). */
    ENOBUFS(105, "No buffer space available"),
    /** Stale file handle (116). */
    ESTALE(116, "Stale file handle"),
    /** Structure needs cleaning (117). */
    EUCLEAN(117, "Structure needs cleaning"),
    /** Disk quota exceeded (122). */
    EDQUOT(122, "Disk quota exceeded"),
    /** Operation canceled (125). */
    ECANCELED(125, "Operation canceled"),
    /** Required key not available (126): an encrypted file or directory whose key was not added (fscrypt). */
    ENOKEY(126, "Required key not available"),
    /** Memory page has hardware error (133). */
    EHWPOISON(133, "Memory page has hardware error");

    private final int number;
    private final String message;

    Errno(int number, String message) {
        this.number = number;
        this.message = message;
    }

    /** The Linux x86_64 errno value. */
    public int number() {
        return number;
    }

    /** glibc's {@code strerror} text, as {@code xfs_io} prints it. */
    public String message() {
        return message;
    }

    /** The errno with this number, or {@code null}. */
    public static Errno ofNumber(int number) {
        for (Errno e : values()) {
            if (e.number == number) {
                return e;
            }
        }
        return null;
    }
}
