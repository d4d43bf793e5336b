package dev.jdax.nio;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour suite's part for FileSystemProvider's, SeekableByteChannel's and FileStore's
 * contracts method by method — open options, copy options, access checks, directory streams,
 * attribute views, interrupts — asserted the same way on the JDK's own file system (the control)
 * and on every jdax personality. The declared differences are listed on {@link NioBehaviourTest}.
 */
class ProviderContractTest {
    @RegisterExtension
    final BehaviourRoots roots = new BehaviourRoots();

    static List<String> kinds() {
        return BehaviourRoots.kinds();
    }

    /** Path.resolve(String) is resolve(getPath(String)) for every kind of string, the one-name fast way included. */
    @ParameterizedTest
    @MethodSource("kinds")
    void resolveOfAStringIsResolveOfItsPath(String kind) throws IOException {
        Path r = roots.root(kind);
        for (String s : List.of("a", "", "a/b", "/abs/x", ".", "..", "a//b/", "name-123")) {
            Path viaString = r.resolve(s);
            assertEquals(r.resolve(r.getFileSystem().getPath(s)), viaString, s);
            assertEquals(r.resolve(r.getFileSystem().getPath(s)).toString(), viaString.toString(), s);
            assertEquals(r.resolve(r.getFileSystem().getPath(s)).hashCode(), viaString.hashCode(), s);
        }
        assertEquals(r, r.resolve("a").getParent());
        assertEquals("a", r.resolve("a").getFileName().toString());
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void openOptionsAreReadAsTheJdkReadsThem(String kind) throws IOException {
        Path r = roots.root(kind);
        Path f = Files.writeString(r.resolve("f"), "0123456789");
        IllegalArgumentException readAppend = assertThrows(IllegalArgumentException.class,
                () -> Files.newByteChannel(f, StandardOpenOption.READ, StandardOpenOption.APPEND).close());
        assertEquals("READ + APPEND not allowed", readAppend.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Files.newByteChannel(f, StandardOpenOption.APPEND, StandardOpenOption.TRUNCATE_EXISTING).close());
        try (SeekableByteChannel c = Files.newByteChannel(f, StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING)) {
            assertEquals(10, c.size(), "TRUNCATE_EXISTING counts only for writing");
        }
        assertThrows(java.nio.file.NoSuchFileException.class,
                () -> Files.newByteChannel(r.resolve("nx"), StandardOpenOption.CREATE).close(), "CREATE counts only for writing");
        try (SeekableByteChannel c = Files.newByteChannel(r.resolve("gone"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE, StandardOpenOption.SPARSE)) {
            assertFalse(Files.exists(r.resolve("gone")), "DELETE_ON_CLOSE unlinks at the open, as the JDK on Linux does");
            c.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            assertEquals(3, c.size(), "the open channel keeps the unlinked file");
        }
        assertFalse(Files.exists(r.resolve("gone")));
        try (SeekableByteChannel c = Files.newByteChannel(f, StandardOpenOption.APPEND)) {
            c.write(ByteBuffer.wrap(new byte[] {'a'}));
            assertEquals(11, c.position());
        }
        assertEquals("0123456789a", Files.readString(f));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void copyHonoursItsOptions(String kind) throws IOException {
        Path r = roots.root(kind);
        Path f = Files.writeString(r.resolve("f"), "data");
        Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000_000_000L));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx--x---"));
        assertEquals(f, Files.copy(f, f), "a copy onto the same file does nothing");
        Files.copy(f, r.resolve("plain"));
        assertEquals("data", Files.readString(r.resolve("plain")));
        assertFalse(Files.getLastModifiedTime(r.resolve("plain")).toMillis() == 1_000_000_000_000L);
        Files.copy(f, r.resolve("attrs"), StandardCopyOption.COPY_ATTRIBUTES);
        assertEquals(1_000_000_000_000L, Files.getLastModifiedTime(r.resolve("attrs")).toMillis());
        assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(r.resolve("attrs"))));
        UnsupportedOperationException atomic = assertThrows(UnsupportedOperationException.class,
                () -> Files.copy(f, r.resolve("atomic"), StandardCopyOption.ATOMIC_MOVE));
        assertTrue(atomic.getMessage().contains("ATOMIC_MOVE"), atomic.getMessage());
        Files.createSymbolicLink(r.resolve("link"), f.getFileName());
        Files.copy(r.resolve("link"), r.resolve("link-copy"), LinkOption.NOFOLLOW_LINKS);
        assertTrue(Files.isSymbolicLink(r.resolve("link-copy")), "NOFOLLOW_LINKS copies the link");
        Files.copy(r.resolve("link"), r.resolve("followed"));
        assertFalse(Files.isSymbolicLink(r.resolve("followed")));
        assertEquals("data", Files.readString(r.resolve("followed")));
        Path d = Files.createDirectory(r.resolve("d"));
        Files.writeString(d.resolve("inner"), "x");
        Files.copy(d, r.resolve("d2"));
        try (var s = Files.list(r.resolve("d2"))) {
            assertEquals(0, s.count(), "a directory copies as an empty directory");
        }
        assertThrows(java.nio.file.DirectoryNotEmptyException.class,
                () -> Files.copy(f, d, StandardCopyOption.REPLACE_EXISTING));
        FileAlreadyExistsException exists = assertThrows(FileAlreadyExistsException.class, () -> Files.move(r.resolve("plain"), f));
        assertEquals(f.toString(), exists.getFile(), "the target is what is in the way");
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void accessIsCheckedAgainstTheModeBits(String kind) throws IOException {
        Path r = roots.root(kind);
        Path f = Files.writeString(r.resolve("f"), "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        assertFalse(Files.isExecutable(f), "no execute bit");
        assertTrue(Files.isReadable(f));
        assertThrows(AccessDeniedException.class, () -> f.getFileSystem().provider().checkAccess(f, AccessMode.EXECUTE));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr--r--"));
        assertTrue(Files.isExecutable(f));
        assertTrue(Files.isExecutable(r), "a directory is searchable");
        boolean root = "0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid")));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        assertEquals(root, Files.isReadable(f), "the superuser reads anything, anyone else needs the bit");
        assertEquals(root, Files.isWritable(f));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void directoryStreamsAndLinksFollowTheContract(String kind) throws IOException {
        Path r = roots.root(kind);
        Path d = Files.createDirectory(r.resolve("d"));
        Files.writeString(d.resolve("a"), "a");
        DirectoryStream<Path> s = Files.newDirectoryStream(d);
        s.iterator();
        assertThrows(IllegalStateException.class, s::iterator, "one iterator");
        s.close();
        DirectoryStream<Path> closed = Files.newDirectoryStream(d);
        closed.close();
        assertThrows(IllegalStateException.class, closed::iterator, "none once closed");
        Files.writeString(d.resolve("b"), "b");
        Files.writeString(d.resolve("c"), "c");
        try (DirectoryStream<Path> partly = Files.newDirectoryStream(d)) {
            Iterator<Path> it = partly.iterator();
            it.next();
            partly.close();
            assertFalse(it.hasNext(), "a closed stream's iteration is at its end");
            assertThrows(NoSuchElementException.class, it::next);
        }
        IOException refused = new IOException("the filter refuses");
        try (DirectoryStream<Path> filtered = Files.newDirectoryStream(d, x -> {
            throw refused;
        })) {
            Iterator<Path> it = filtered.iterator();
            DirectoryIteratorException e = assertThrows(DirectoryIteratorException.class, it::hasNext,
                    "a filter's IOException comes out of the iteration");
            assertSame(refused, e.getCause());
        }
        FileSystemException dirLink = assertThrows(FileSystemException.class, () -> Files.createLink(r.resolve("dl"), d));
        assertFalse(dirLink instanceof AccessDeniedException, "EPERM is a plain FileSystemException");
        assertTrue(dirLink.getReason().contains("Operation not permitted"), dirLink.getMessage());
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void attributeViewsAndTheStoreAnswerAsTheJdksDo(String kind) throws IOException {
        Path r = roots.root(kind);
        Path f = Files.writeString(r.resolve("f"), "x");
        FileOwnerAttributeView owner = Files.getFileAttributeView(f, FileOwnerAttributeView.class);
        assertNotNull(owner);
        assertEquals(Files.getOwner(f), owner.getOwner());
        assertNotNull(Files.getAttribute(f, "unix:rdev"));
        UserPrincipalLookupService lookup = r.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal me = Files.getOwner(f);
        assertEquals(me, lookup.lookupPrincipalByName(me.getName()));
        GroupPrincipal group = Files.readAttributes(f, PosixFileAttributes.class).group();
        assertEquals(group, lookup.lookupPrincipalByGroupName(group.getName()));
        assertThrows(UserPrincipalNotFoundException.class, () -> lookup.lookupPrincipalByName("no-such-user-jdax"));
        Files.setOwner(f, me);
        Files.setAttribute(f, "posix:group", group);
        assertEquals(me, Files.getOwner(f));
        if (Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0)) {
            // jdax creates files as uid 0; the JDK as the process's user, here root too: the same name.
            assertEquals(Files.getOwner(Path.of("/proc/self")).getName(), me.getName(), "names come from the host");
        }
        assertThrows(IllegalArgumentException.class, () -> Files.setAttribute(f, "size", 3L), "no such attribute of basic");
        assertThrows(UnsupportedOperationException.class, () -> Files.setAttribute(f, "nosuchview:x", 3L));
        FileTime t = FileTime.fromMillis(5_000_000L);
        Files.getFileAttributeView(f, BasicFileAttributeView.class).setTimes(null, t, null);
        assertEquals(t, Files.getAttribute(f, "lastAccessTime"));
        FileStore store = Files.getFileStore(f);
        assertTrue(store.getBlockSize() >= 512 && Long.bitCount(store.getBlockSize()) == 1, "f_bsize: " + store.getBlockSize());
        assertTrue(store.supportsFileAttributeView(FileOwnerAttributeView.class));
        assertTrue(store.supportsFileAttributeView("posix"));
        assertEquals(store.getTotalSpace(), store.getAttribute("totalSpace"));
        assertThrows(UnsupportedOperationException.class, () -> store.getAttribute("bogus"));
        assertEquals(null, store.getFileStoreAttributeView(java.nio.file.attribute.FileStoreAttributeView.class));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void anInterruptClosesTheChannelAndTheArgumentsAreChecked(String kind) throws IOException {
        Path r = roots.root(kind);
        Path f = Files.writeString(r.resolve("f"), "0123456789");
        FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
        IllegalArgumentException ro = assertThrows(IllegalArgumentException.class,
                () -> ch.read(ByteBuffer.allocate(4).asReadOnlyBuffer(), 0));
        assertEquals("Read-only buffer", ro.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> ch.read(new ByteBuffer[] {ByteBuffer.allocate(1)}, 1, 1));
        assertThrows(IndexOutOfBoundsException.class, () -> ch.write(new ByteBuffer[] {ByteBuffer.allocate(1)}, 0, 2));
        ByteBuffer a = ByteBuffer.allocate(3);
        ByteBuffer b = ByteBuffer.allocate(3);
        assertEquals(6, ch.read(new ByteBuffer[] {a, b}));
        assertEquals(6, ch.position());
        assertEquals(3, ch.write(new ByteBuffer[] {ByteBuffer.wrap(new byte[] {'x', 'y'}), ByteBuffer.wrap(new byte[] {'z'})}));
        ch.truncate(100);
        assertEquals(10, ch.size(), "truncate to a larger size changes nothing");
        ByteBuffer all = ByteBuffer.allocate(10);
        ch.read(all, 0);
        assertEquals("012345xyz9", new String(all.array(), java.nio.charset.StandardCharsets.US_ASCII));
        ch.truncate(5);
        assertEquals(5, ch.position(), "truncate below the position moves it");
        assertEquals(0, ch.transferTo(100, 10, java.nio.channels.Channels.newChannel(new java.io.ByteArrayOutputStream())));
        Thread.currentThread().interrupt();
        try {
            assertThrows(ClosedByInterruptException.class, () -> ch.read(ByteBuffer.allocate(1), 0));
        } finally {
            Thread.interrupted();
        }
        assertFalse(ch.isOpen(), "an interrupt closes the channel");
        assertThrows(ClosedChannelException.class, ch::size);
        assertEquals("01234", Files.readString(f));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void anAsynchronousChannelReadsWritesAndLocksThroughTheSameTable(String kind) throws Exception {
        Path r = roots.root(kind);
        Path f = Files.writeString(r.resolve("f"), "0123456789");
        assertThrows(UnsupportedOperationException.class,
                () -> AsynchronousFileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND).close());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (AsynchronousFileChannel a = AsynchronousFileChannel.open(f,
                java.util.Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE), pool);
             FileChannel other = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertEquals(10, a.size());
            ByteBuffer b = ByteBuffer.allocate(4);
            assertEquals(4, a.read(b, 3).get());
            assertEquals("3456", new String(b.array(), java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(2, a.write(ByteBuffer.wrap(new byte[] {'a', 'b'}), 10).get());
            java.util.concurrent.CompletableFuture<Integer> done = new java.util.concurrent.CompletableFuture<>();
            a.read(ByteBuffer.allocate(20), 0, "att", new java.nio.channels.CompletionHandler<Integer, String>() {
                @Override
                public void completed(Integer n, String att) {
                    done.complete(att.equals("att") ? n : -2);
                }

                @Override
                public void failed(Throwable t, String att) {
                    done.completeExceptionally(t);
                }
            });
            assertEquals(12, done.get());
            FileLock l = a.lock(0, 5, false).get();
            assertSame(a, l.acquiredBy());
            assertThrows(OverlappingFileLockException.class, () -> other.tryLock(2, 1, true), "one table per file");
            assertThrows(OverlappingFileLockException.class, () -> a.tryLock(4, 1, false));
            l.release();
            assertFalse(l.isValid());
            FileLock kept = a.tryLock(0, 1, true);
            a.close();
            assertFalse(kept.isValid(), "closing releases the channel's locks");
            java.util.concurrent.ExecutionException closed = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> a.read(ByteBuffer.allocate(1), 0).get());
            assertTrue(closed.getCause() instanceof ClosedChannelException, String.valueOf(closed.getCause()));
        } finally {
            pool.shutdown();
        }
        assertEquals("0123456789ab", Files.readString(f));
    }
}
