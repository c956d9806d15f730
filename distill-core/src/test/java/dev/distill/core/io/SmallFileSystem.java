package dev.distill.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real, small file system for the disk-full tests: a tmpfs of a few MiB mounted on a test's
 * temporary folder, which {@link #fill()} fills to the last byte, so a write fails with the
 * kernel's own ENOSPC ("No space left on device") exactly where a full disk would make it fail.
 *
 * <p>Chosen over a fault injected at an I/O seam because the claim under test is what the code
 * leaves on disk when the operating system refuses a write partway (a partly written temporary
 * file, a torn line, page-granular allocation), which an injected exception would not reproduce.
 * Mounting needs root or CAP_SYS_ADMIN (Linux); elsewhere the tests are skipped with that reason.
 */
public final class SmallFileSystem implements AutoCloseable {

    private final Path root;

    private SmallFileSystem(Path root) {
        this.root = root;
    }

    /** Mounts a tmpfs of {@code size} (e.g. "4m") on {@code dir}, or skips the calling test. */
    public static SmallFileSystem mount(Path dir, String size) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String why;
        try {
            Process p = new ProcessBuilder(List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString()))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return new SmallFileSystem(dir);
            }
            why = "exit " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            why = e.getMessage();
        }
        Assumptions.abort("skipped: this disk-full test needs a real small file system, and 'mount -t tmpfs' is not"
                + " allowed here (" + why + "); run the tests as root on Linux to exercise it");
        throw new AssertionError("unreachable");
    }

    /** The mount point. */
    public Path root() {
        return root;
    }

    /** Writes zeros to {@code .filler} until the file system refuses: no byte is left. */
    public void fill() throws IOException {
        byte[] chunk = new byte[4096];
        try (OutputStream out = Files.newOutputStream(root.resolve(".filler"))) {
            while (true) {
                out.write(chunk);
            }
        } catch (IOException expected) {
            if (!String.valueOf(expected.getMessage()).contains("No space left on device")) {
                throw expected;
            }
        }
        // fill the last partial page too, byte by byte
        try (OutputStream out = Files.newOutputStream(root.resolve(".filler2"))) {
            while (true) {
                out.write(0);
                out.flush();
            }
        } catch (IOException expected) {
            // full
        }
    }

    /** Deletes what {@link #fill()} wrote. */
    public void free() throws IOException {
        Files.deleteIfExists(root.resolve(".filler"));
        Files.deleteIfExists(root.resolve(".filler2"));
    }

    /** Unmounts (lazily, so an open file elsewhere cannot keep it). */
    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder(List.of("umount", "-l", root.toString())).redirectErrorStream(true).start()
                .waitFor(30, TimeUnit.SECONDS);
    }
}
