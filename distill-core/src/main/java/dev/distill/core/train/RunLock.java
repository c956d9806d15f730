package dev.distill.core.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One process at a time per run directory: an exclusive OS lock ({@link FileChannel#tryLock()},
 * {@code fcntl} on Linux) on {@code <dir>/.distill.lock}. The operating system drops the lock
 * when the holding process ends in any way, {@code kill -9} included, so a crashed run never
 * leaves it stuck; the file itself stays, holding the last holder's pid and start time for the
 * error message only (its presence means nothing).
 *
 * <p>Re-entrant in the holding thread: a command that locks its output directory and then calls
 * {@link DistillationTrainer#fit} on the same directory takes the lock twice and releases it on
 * the second {@link #close()}. Another thread of the same process is refused like another process.
 */
public final class RunLock implements AutoCloseable {

    /** The lock file's name inside the locked directory. */
    public static final String FILE = ".distill.lock";

    private static final Map<Path, Held> HELD = new HashMap<>();

    private static final class Held {
        final FileChannel channel;
        final FileLock lock;
        final Thread owner;
        int count = 1;

        Held(FileChannel channel, FileLock lock, Thread owner) {
            this.channel = channel;
            this.lock = lock;
            this.owner = owner;
        }
    }

    private final Path key;
    private boolean closed;

    private RunLock(Path key) {
        this.key = key;
    }

    /**
     * Locks {@code directory} (created if missing) for this process.
     *
     * @throws RunDirectoryLockedException when another process (or thread) holds it
     * @throws UncheckedIOException when the directory or the lock file cannot be created
     */
    public static RunLock acquire(Path directory) {
        Path key;
        try {
            Files.createDirectories(directory);
            key = directory.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create run directory " + directory + ": " + e, e);
        }
        synchronized (HELD) {
            Held held = HELD.get(key);
            if (held != null) {
                if (held.owner != Thread.currentThread()) {
                    throw new RunDirectoryLockedException(directory, "another thread of this process ("
                            + held.owner.getName() + ")");
                }
                held.count++;
                return new RunLock(key);
            }
            Path file = key.resolve(FILE);
            FileChannel channel = null;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    String holder = holderOf(channel);
                    channel.close();
                    throw new RunDirectoryLockedException(directory, holder.isEmpty() ? "another process" : holder);
                }
                channel.truncate(0);
                channel.write(ByteBuffer.wrap(describeThisProcess().getBytes(StandardCharsets.UTF_8)), 0);
                channel.force(false);
                HELD.put(key, new Held(channel, lock, Thread.currentThread()));
                return new RunLock(key);
            } catch (IOException e) {
                closeQuietly(channel);
                throw new UncheckedIOException("cannot lock run directory " + directory + " (" + file + "): " + e, e);
            }
        }
    }

    /** Whether this process holds the lock on {@code directory}. */
    public static boolean isHeldHere(Path directory) {
        try {
            Path key = directory.toRealPath();
            synchronized (HELD) {
                return HELD.containsKey(key);
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Releases this hold; the OS lock goes with the last one. Idempotent. */
    @Override
    public void close() {
        synchronized (HELD) {
            if (closed) {
                return;
            }
            closed = true;
            Held held = HELD.get(key);
            if (held == null || --held.count > 0) {
                return;
            }
            HELD.remove(key);
            try {
                held.lock.release();
            } catch (IOException e) {
                // the channel's close below releases it too
            }
            closeQuietly(held.channel);
        }
    }

    private static String holderOf(FileChannel channel) {
        try {
            ByteBuffer b = ByteBuffer.allocate(512);
            int n = channel.read(b, 0);
            return n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static String describeThisProcess() {
        return "distill process " + ProcessHandle.current().pid() + " (started " + Instant.now() + ")\n";
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing more to release
            }
        }
    }
}
