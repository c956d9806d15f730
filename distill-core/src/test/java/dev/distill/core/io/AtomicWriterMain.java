package dev.distill.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Child process for {@link AtomicFilesTest}: writes version after version of a file (mode
 * {@code file}) or a two-file directory (mode {@code dir}) until it is killed. Every version is
 * self-describing (see {@link #content(long)}), so the parent can tell a whole version from a
 * torn one.
 */
public final class AtomicWriterMain {

    private AtomicWriterMain() {}

    /** Version {@code i}: 8 bytes holding i, then 256 KiB + (i mod 7)·1000 bytes equal to (byte) i. */
    static byte[] content(long i) {
        byte[] b = new byte[8 + (1 << 18) + (int) (i % 7) * 1000];
        Arrays.fill(b, (byte) i);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, i);
        return b;
    }

    /** The version {@code bytes} holds, or -1 if they are not exactly one whole version. */
    static long versionOf(byte[] bytes) {
        if (bytes.length < 8) {
            return -1;
        }
        long i = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return i >= 0 && Arrays.equals(bytes, content(i)) ? i : -1;
    }

    public static void main(String[] args) throws IOException {
        String mode = args[0];
        Path target = Path.of(args[1]);
        for (long i = 0; ; i++) {
            byte[] c = content(i);
            if (mode.equals("file")) {
                AtomicFiles.writeBytes(target, c);
            } else {
                AtomicFiles.replaceDirectory(target, d -> {
                    Files.write(d.resolve("a.bin"), c);
                    Files.write(d.resolve("b.bin"), c);
                });
            }
            if (i == 0) {
                System.out.println("first version written");
                System.out.flush();
            }
        }
    }
}
