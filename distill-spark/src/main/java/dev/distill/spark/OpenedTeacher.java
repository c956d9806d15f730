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

    /**
     * Vocabulary logits at chosen positions, and hidden states (see {@link TopKCacheBuilder.Teacher}).
     *
     * @return the teacher the cache builder runs; safe to call from several task threads
     */
    TopKCacheBuilder.Teacher teacher();

    /**
     * The manager (device) the teacher's batches are made on.
     *
     * @return the teacher's manager, owned by this teacher
     */
    NDManager manager();

    /**
     * What the fingerprint and the record widths need to know about this teacher.
     *
     * @return the teacher's hashes, shape, padding id, maximum length and masking seed
     */
    TeacherInfo info();

    /**
     * The example the teacher sees for the {@code index}-th text of the corpus (0-based).
     *
     * @param text the raw text
     * @param index its 0-based position in the input; it keys the masking, so the example depends
     *     only on (text, index) and the teacher, never on the partition that computes it
     * @return the tokenised (and masked) example with the positions to keep
     */
    CacheExample example(String text, long index);

    @Override
    void close();
}
