package dev.distill.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Writes files and directories so that a crash or {@code kill -9} at any moment leaves either
 * the old content or the new one under the target name, never a mixture or a truncated file.
 *
 * <p><b>Files</b> ({@link #write(Path, ChannelWriter)}): the content goes to a temporary file in
 * the target's own folder ({@code .<name>.tmp-<random>}, same file system, so the rename cannot
 * turn into a copy); it is flushed with {@code fsync}, renamed over the target with
 * {@link StandardCopyOption#ATOMIC_MOVE} ({@code rename(2)} on POSIX, {@code MoveFileEx} on
 * Windows), and the folder is synced so the rename itself survives a power cut. Only where the
 * file system refuses an atomic move does it fall back to {@code REPLACE_EXISTING}, which is
 * not atomic. A crash can leave a stray {@code .<name>.tmp-*} file behind, never a damaged
 * target. A symbolic link at the target is replaced by the file, not followed.
 *
 * <p><b>Directories</b> ({@link #replaceDirectory(Path, DirectoryWriter)}): the content goes to
 * {@code <name>.tmp-<R>}; every file in it and the folder are synced; then, if the target
 * exists, it is renamed to {@code <name>.old-<R>}, the new folder is renamed to {@code <name>},
 * and the old one deleted. POSIX cannot swap two directories in one step, so there is a short
 * window between the two renames in which only {@code <name>.old-<R>} and the complete
 * {@code <name>.tmp-<R>} exist; {@link #recoverDirectory(Path)} (called by
 * {@code replaceDirectory} itself, and meant to be called by readers before they open the
 * directory) puts the old one back. One writer per target directory at a time: recovery deletes
 * the leftovers of other writes to the same target.
 */
public final class AtomicFiles {

    /** Writes the content of a file to an open channel positioned at 0. */
    @FunctionalInterface
    public interface ChannelWriter {
        /**
         * Writes the whole content; the caller syncs and closes the channel.
         *
         * @param channel the temporary file, open for writing
         * @throws IOException if writing fails; the target is then left untouched
         */
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Fills a fresh, empty directory with the new content. */
    @FunctionalInterface
    public interface DirectoryWriter {
        /**
         * Writes every file of the new directory; the caller syncs them.
         *
         * @param directory the empty temporary directory
         * @throws IOException if writing fails; the target is then left untouched
         */
        void writeInto(Path directory) throws IOException;
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String TMP = ".tmp-";
    private static final String OLD = ".old-";
    private static final int CHUNK = 1 << 20;

    private AtomicFiles() {}

    /**
     * Atomically replaces {@code target} with {@code bytes}.
     *
     * @param target the file
     * @param bytes the whole content
     * @throws IOException if the file cannot be written; the previous content, if any, is then intact
     */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        Objects.requireNonNull(bytes, "bytes");
        write(target, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    /**
     * Atomically replaces {@code target} with {@code text} encoded as UTF-8.
     *
     * @param target the file
     * @param text the whole content
     * @throws IOException if the file cannot be written; the previous content, if any, is then intact
     */
    public static void writeString(Path target, String text) throws IOException {
        Objects.requireNonNull(text, "text");
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Atomically replaces {@code target} with whatever {@code writer} writes. The parent folder is
     * created if missing. If the writer throws, the temporary file is deleted, the target is
     * untouched and the exception propagates.
     *
     * @param target the file
     * @param writer writes the content to a temporary file
     * @throws IOException if the file cannot be written (a {@link WriteFailedException} naming the
     *     target and saying so, e.g. on a full disk); the previous content, if any, is then intact,
     *     or what the writer threw
     */
    public static void write(Path target, ChannelWriter writer) throws IOException {
        Objects.requireNonNull(writer, "writer");
        Path abs = target.toAbsolutePath().normalize();
        Path dir = parentOf(abs);
        Files.createDirectories(dir);
        if (Files.isDirectory(abs)) {
            throw new IOException("cannot write file " + abs + ": a directory of that name exists");
        }
        Path tmp = null;
        boolean done = false;
        try {
            FileChannel ch = null;
            // CREATE_NEW with a random name: never clobbers anything, and unlike
            // Files.createTempFile keeps the umask's permissions (0644, not 0600).
            for (int attempt = 0; ch == null; attempt++) {
                tmp = dir.resolve("." + abs.getFileName() + TMP + randomSuffix());
                try {
                    ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    if (attempt > 10) {
                        throw e;
                    }
                }
            }
            try (FileChannel c = ch) {
                writer.writeTo(c);
                c.force(true);
            }
            move(tmp, abs);
            done = true;
        } catch (IOException | RuntimeException | Error e) {
            if (!done && tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            if (e instanceof IOException io) {
                throw WriteFailedException.of(abs, io);
            }
            throw e;
        }
        syncDirectory(dir);
    }

    /**
     * Atomically replaces the directory {@code target} (which may not exist yet) with one that
     * {@code writer} fills. If the writer throws, its partial directory is deleted, the target is
     * untouched and the exception propagates. See the class comment for the crash guarantees.
     *
     * @param target the directory
     * @param writer fills a temporary directory
     * @throws IOException if the directory cannot be written; the previous one, if any, is then intact
     */
    public static void replaceDirectory(Path target, DirectoryWriter writer) throws IOException {
        Objects.requireNonNull(writer, "writer");
        Path abs = target.toAbsolutePath().normalize();
        Path dir = parentOf(abs);
        Files.createDirectories(dir);
        recoverDirectory(abs);
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("cannot replace directory " + abs + ": it exists and is not a directory");
        }
        String r = randomSuffix();
        String name = abs.getFileName().toString();
        Path tmp = dir.resolve(name + TMP + r);
        Path old = dir.resolve(name + OLD + r);
        try {
            Files.createDirectory(tmp);
        } catch (IOException e) {
            throw WriteFailedException.of(abs, e);
        }
        try {
            writer.writeInto(tmp);
            syncTree(tmp);
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                move(abs, old);
                move(tmp, abs);
            } else {
                move(tmp, abs);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                if (Files.exists(old, LinkOption.NOFOLLOW_LINKS) && !Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                    move(old, abs); // the second rename failed: put the old content back
                }
                deleteTree(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof IOException io) {
                throw WriteFailedException.of(abs, io);
            }
            throw e;
        }
        syncDirectory(dir);
        deleteTree(old);
    }

    /**
     * Repairs what a crash during {@link #replaceDirectory} may have left next to
     * {@code target}: if the target is missing but {@code <name>.old-*} exists, that old
     * content is renamed back; then leftover {@code <name>.tmp-*} and {@code <name>.old-*}
     * directories are deleted. Does nothing when there are none. Not safe while another
     * process is writing the same target.
     *
     * @param target the directory
     * @return whether the target had to be restored from an {@code .old-} copy
     * @throws IOException if a leftover cannot be renamed or deleted
     */
    public static boolean recoverDirectory(Path target) throws IOException {
        Path abs = target.toAbsolutePath().normalize();
        Path dir = parentOf(abs);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        String name = abs.getFileName().toString();
        List<Path> olds = new ArrayList<>();
        List<Path> tmps = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (isSibling(n, name, OLD)) {
                    olds.add(p);
                } else if (isSibling(n, name, TMP)) {
                    tmps.add(p);
                }
            }
        }
        boolean restored = false;
        if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !olds.isEmpty()) {
            // Only one write can have been between its two renames; its .old- is the content.
            Path newest = olds.get(0);
            for (Path p : olds) {
                if (Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(newest)) > 0) {
                    newest = p;
                }
            }
            move(newest, abs);
            olds.remove(newest);
            syncDirectory(dir);
            restored = true;
        }
        for (Path p : olds) {
            deleteTree(p);
        }
        for (Path p : tmps) {
            deleteTree(p);
        }
        return restored;
    }

    /**
     * Writes every remaining byte of {@code buffer} (a channel may write fewer per call), in
     * pieces of at most 1 MiB: the JDK copies a heap buffer through a temporary direct buffer
     * of the same size and caches it per thread, so one 100 MB write would pin 100 MB of native
     * memory for the life of the thread.
     *
     * @param channel the channel, at its current position
     * @param buffer the bytes from its position to its limit; its position ends at the limit
     * @throws IOException if the channel fails
     */
    public static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            int n = Math.min(buffer.remaining(), CHUNK);
            ByteBuffer piece = buffer.slice().limit(n);
            while (piece.hasRemaining()) {
                channel.write(piece);
            }
            buffer.position(buffer.position() + n);
        }
    }

    /**
     * Deletes a file or a directory tree; does nothing if it does not exist.
     *
     * @param path a file or directory; symbolic links are deleted, not followed
     * @throws IOException if something cannot be deleted
     */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static boolean isSibling(String candidate, String name, String marker) {
        String prefix = name + marker;
        if (!candidate.startsWith(prefix) || candidate.length() != prefix.length() + 16) {
            return false;
        }
        for (int i = prefix.length(); i < candidate.length(); i++) {
            if (Character.digit(candidate.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // Some file systems (certain network mounts) cannot rename atomically; a plain
            // replace is the best that exists there.
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Path parentOf(Path abs) {
        Path dir = abs.getParent();
        if (dir == null || abs.getFileName() == null) {
            throw new IllegalArgumentException("target " + abs + " has no parent folder; name a file or"
                    + " folder inside one");
        }
        return dir;
    }

    /** 16 hex digits. */
    private static String randomSuffix() {
        return String.format(Locale.ROOT, "%016x", RANDOM.nextLong());
    }

    /** fsync every file and folder under {@code root}, deepest first, then {@code root}. */
    private static void syncTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
                        c.force(true);
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                syncDirectory(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * fsync a folder so the names in it (a rename) are durable. POSIX allows it through a
     * read-only descriptor; Windows refuses to open folders and does not need it.
     */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            // Windows: AccessDeniedException opening a directory. Durability of the rename
            // is then up to the OS; atomicity is unaffected.
        }
    }
}
