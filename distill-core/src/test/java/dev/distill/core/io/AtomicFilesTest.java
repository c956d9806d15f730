package dev.distill.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void writesAndReplacesAFileCreatingItsFolder() throws IOException {
        Path f = dir.resolve("sub/deeper/config.json");
        AtomicFiles.writeString(f, "first ☃");
        assertEquals("first ☃", Files.readString(f, StandardCharsets.UTF_8));
        AtomicFiles.writeBytes(f, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertEquals(List.of(f), s.collect(Collectors.toList()), "no temporary files left");
        }
    }

    @Test
    void keepsTheUsualPermissionsNotThoseOfTempFiles() throws IOException {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return; // permissions are a POSIX notion
        }
        Path plain = dir.resolve("plain");
        Files.write(plain, new byte[1]);
        Path atomic = dir.resolve("atomic");
        AtomicFiles.writeBytes(atomic, new byte[1]);
        assertEquals(Files.readAttributes(plain, PosixFileAttributes.class).permissions(),
                Files.readAttributes(atomic, PosixFileAttributes.class).permissions());
    }

    @Test
    void aFailedWriteLeavesTheOldFileOrNoFile() throws IOException {
        Path f = dir.resolve("state.bin");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(f, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(new byte[100_000]));
            throw new IOException("boom");
        }));
        assertEquals("cannot write " + f.toAbsolutePath().normalize() + ": boom; what was there before is unchanged",
                e.getMessage());
        assertEquals("boom", e.getCause().getMessage());
        assertEquals(List.of(), names(), "no target and no temporary file");

        AtomicFiles.writeString(f, "old");
        assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(f, ch -> {
            AtomicFiles.writeFully(ch, ByteBuffer.wrap("new, but only half".getBytes(StandardCharsets.UTF_8)));
            throw new UncheckedIOException(new IOException("disk gone"));
        }));
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("state.bin"), names());
    }

    @Test
    void refusesToOverwriteADirectoryWithAFile() throws IOException {
        Path d = Files.createDirectory(dir.resolve("taken"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(d, "x"));
        assertTrue(e.getMessage().contains("a directory of that name exists"), e.getMessage());
    }

    @Test
    void replacesADirectoryWhole() throws IOException {
        Path ckpt = dir.resolve("checkpoint");
        AtomicFiles.replaceDirectory(ckpt, d -> {
            Files.writeString(d.resolve("a.txt"), "1");
            Files.createDirectories(d.resolve("nested"));
            Files.writeString(d.resolve("nested/b.txt"), "1");
        });
        assertEquals("1", Files.readString(ckpt.resolve("nested/b.txt")));

        AtomicFiles.replaceDirectory(ckpt, d -> Files.writeString(d.resolve("c.txt"), "2"));
        try (Stream<Path> s = Files.list(ckpt)) {
            assertEquals(List.of(ckpt.resolve("c.txt")), s.collect(Collectors.toList()),
                    "the old content is gone, not merged");
        }
        assertEquals(List.of("checkpoint"), names(), "no .tmp- or .old- folder left");

        IOException e = assertThrows(IOException.class, () -> AtomicFiles.replaceDirectory(ckpt, d -> {
            Files.writeString(d.resolve("half.txt"), "3");
            throw new IOException("crash while saving");
        }));
        assertEquals("cannot write " + ckpt.toAbsolutePath().normalize() + ": crash while saving; what was there"
                + " before is unchanged", e.getMessage());
        assertEquals("2", Files.readString(ckpt.resolve("c.txt")));
        assertFalse(Files.exists(ckpt.resolve("half.txt")));
        assertEquals(List.of("checkpoint"), names());
    }

    @Test
    void recoversFromACrashBetweenTheTwoRenames() throws IOException {
        // The state a kill between "target -> .old-R" and ".tmp-R -> target" leaves behind.
        Path ckpt = dir.resolve("ckpt");
        Path old = Files.createDirectory(dir.resolve("ckpt.old-00000000deadbeef"));
        Files.writeString(old.resolve("step.txt"), "100");
        Path tmp = Files.createDirectory(dir.resolve("ckpt.tmp-00000000deadbeef"));
        Files.writeString(tmp.resolve("step.txt"), "200");
        Path staleTmp = Files.createDirectory(dir.resolve("ckpt.tmp-0123456789abcdef"));
        Files.writeString(staleTmp.resolve("partial"), "?");
        Path unrelated = Files.createDirectory(dir.resolve("ckpt.tmp-not-ours"));
        Path other = Files.createDirectory(dir.resolve("other.old-00000000deadbeef"));

        assertTrue(AtomicFiles.recoverDirectory(ckpt));
        assertEquals("100", Files.readString(ckpt.resolve("step.txt")), "the old content is back");
        assertEquals(List.of("ckpt", "ckpt.tmp-not-ours", "other.old-00000000deadbeef"), names());
        assertTrue(Files.isDirectory(unrelated) && Files.isDirectory(other));
        assertFalse(AtomicFiles.recoverDirectory(ckpt), "nothing left to recover");
    }

    /**
     * Kills a writer process with SIGKILL at random moments; each time, the target must hold one
     * whole version. This is the guarantee the checkpoint and model writers rely on.
     */
    @Test
    void killNineAtRandomMomentsNeverLeavesATornFileOrDirectory() throws Exception {
        Random random = new Random(7);
        for (String mode : new String[] {"file", "dir"}) {
            Path target = dir.resolve(mode + "-target");
            for (int round = 0; round < 3; round++) {
                Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), AtomicWriterMain.class.getName(), mode,
                        target.toString()).redirectErrorStream(true).start();
                String line = new String(p.getInputStream().readNBytes(22), StandardCharsets.UTF_8);
                assertEquals("first version written\n", line, "child did not start");
                Thread.sleep(20 + random.nextInt(300));
                p.destroyForcibly(); // SIGKILL on POSIX: no shutdown hooks, no finally blocks
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                if (mode.equals("file")) {
                    long v = AtomicWriterMain.versionOf(Files.readAllBytes(target));
                    assertTrue(v >= 0, "round " + round + ": torn file");
                } else {
                    AtomicFiles.recoverDirectory(target);
                    long a = AtomicWriterMain.versionOf(Files.readAllBytes(target.resolve("a.bin")));
                    long b = AtomicWriterMain.versionOf(Files.readAllBytes(target.resolve("b.bin")));
                    assertTrue(a >= 0 && a == b, "round " + round + ": directory mixes versions " + a + " and " + b);
                    try (Stream<Path> s = Files.list(target)) {
                        assertEquals(2, s.count());
                    }
                }
            }
        }
    }
}
