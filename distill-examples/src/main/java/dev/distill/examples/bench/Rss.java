package dev.distill.examples.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's resident set size, read from {@code /proc/self/status} (Linux): the line
 * {@code VmRSS:   123456 kB}. It counts the Java heap actually touched, the JVM's own memory
 * and every native allocation (PyTorch tensors included), which is what a native leak grows.
 */
public final class Rss {

    private static final Path STATUS = Path.of("/proc/self/status");

    private Rss() {}

    /** Whether this system has {@code /proc/self/status}. */
    public static boolean available() {
        return Files.isReadable(STATUS);
    }

    /** The current VmRSS in kibibytes. */
    public static long kib() {
        if (!available()) {
            throw new IllegalStateException("the memory soak reads the resident set size from " + STATUS
                    + ", which this system (" + System.getProperty("os.name") + ") does not have; run the soak on Linux");
        }
        try {
            return parseVmRss(Files.readString(STATUS, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + STATUS, e);
        }
    }

    /** The VmRSS value (kB) of a {@code /proc/<pid>/status} text. */
    static long parseVmRss(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                if (parts.length == 2 && parts[1].equals("kB")) {
                    return Long.parseLong(parts[0]);
                }
                throw new IllegalStateException("unexpected VmRSS line '" + line + "' in " + STATUS
                        + "; expected 'VmRSS: <number> kB'");
            }
        }
        throw new IllegalStateException(STATUS + " has no VmRSS line");
    }
}
