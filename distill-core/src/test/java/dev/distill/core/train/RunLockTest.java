package dev.distill.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run-directory lock against a real second process: a child JVM (no DJL in it, only this
 * class path) holds the lock; this JVM is refused with a message naming the child's pid; the
 * child is killed with SIGKILL and the lock is free at once (the OS dropped it).
 */
class RunLockTest {

    @TempDir
    Path tmp;

    @Test
    void aSecondProcessIsRefusedAndAKilledHolderLeavesNoStuckLock() throws Exception {
        Path run = tmp.resolve("run");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RunLockHolder.class.getName(), run.toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return lines.readLine();
                } catch (java.io.IOException e) {
                    return "read failed: " + e;
                }
            }).get(60, TimeUnit.SECONDS);
            assertNotNull(first);
            assertTrue(first.startsWith("locked "), first);
            long pid = child.pid();
            RunDirectoryLockedException refused = assertThrows(RunDirectoryLockedException.class,
                    () -> RunLock.acquire(run));
            assertTrue(refused.getMessage().contains("run directory " + run + " is in use by distill process " + pid),
                    refused.getMessage());
            assertTrue(refused.getMessage().contains("wait for that run to end, or use another directory"),
                    refused.getMessage());
            assertFalse(RunLock.isHeldHere(run));
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally in the child
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(137, child.exitValue(), "the child was killed, not ended cleanly");
        try (RunLock lock = RunLock.acquire(run)) {
            assertTrue(RunLock.isHeldHere(run));
        }
        assertFalse(RunLock.isHeldHere(run));
    }

    @Test
    void reentrantInTheHoldingThreadRefusedInAnother() throws Exception {
        Path run = tmp.resolve("run2");
        try (RunLock outer = RunLock.acquire(run)) {
            try (RunLock inner = RunLock.acquire(run)) {
                assertTrue(RunLock.isHeldHere(run));
            }
            assertTrue(RunLock.isHeldHere(run), "the outer hold keeps the lock");
            Throwable other = CompletableFuture.supplyAsync(() -> {
                try (RunLock l = RunLock.acquire(run)) {
                    return (Throwable) null;
                } catch (RuntimeException e) {
                    return e;
                }
            }).get(30, TimeUnit.SECONDS);
            assertTrue(other instanceof RunDirectoryLockedException, String.valueOf(other));
            assertTrue(other.getMessage().contains("another thread of this process"), other.getMessage());
        }
        assertFalse(RunLock.isHeldHere(run));
    }
}
