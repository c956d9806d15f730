package dev.distill.spark;

import ai.djl.ndarray.NDManager;
import dev.distill.core.cache.CacheExample;
import dev.distill.core.cache.TopKCacheBuilder;

/**
 * A teacher loaded in one JVM: what the cache builder runs, and how a text becomes the example
 * the teacher sees. Implementations must allow concurrent calls from several task threads (a
 * forward pass without gradients and tokenisation are).
 */
public interface OpenedTeacher extends AutoCloseable {

    /** Vocabulary logits at chosen positions, and hidden states (see {@link TopKCacheBuilder.Teacher}). */
    TopKCacheBuilder.Teacher teacher();

    /** The manager (device) the teacher's batches are made on. */
    NDManager manager();

    /** What the fingerprint and the record widths need to know about this teacher. */
    TeacherInfo info();

    /** The example the teacher sees for the {@code index}-th text of the corpus (0-based). */
    CacheExample example(String text, long index);

    @Override
    void close();
}
