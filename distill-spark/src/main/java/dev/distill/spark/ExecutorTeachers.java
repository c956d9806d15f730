package dev.distill.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The teachers loaded in this JVM, one per {@link TeacherSource#key()}: the first task that needs
 * a teacher loads it, every later task (of this and later stages, on any task thread) reuses it,
 * so an executor pays for loading weights once, not per partition. In {@code local[N]} mode the
 * driver is the executor and shares it too. Teachers live until {@link #closeAll()} or the JVM
 * exits.
 */
public final class ExecutorTeachers {

    private static final Map<String, OpenedTeacher> OPEN = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> LOADS = new ConcurrentHashMap<>();

    private ExecutorTeachers() {}

    /** This JVM's teacher for {@code source}, loaded on first use. */
    public static OpenedTeacher get(TeacherSource source) {
        return OPEN.computeIfAbsent(source.key(), key -> {
            LOADS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            try {
                return source.open();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("cannot load the teacher (" + key + "): " + e.getMessage(), e);
            }
        });
    }

    /** How many times this JVM has loaded the teacher of {@code key} (1 after any number of tasks). */
    public static int loads(String key) {
        AtomicInteger n = LOADS.get(key);
        return n == null ? 0 : n.get();
    }

    /** Closes and forgets every teacher of this JVM (load counts are kept). */
    public static synchronized void closeAll() {
        for (String key : OPEN.keySet()) {
            OpenedTeacher t = OPEN.remove(key);
            if (t != null) {
                t.close();
            }
        }
    }
}
