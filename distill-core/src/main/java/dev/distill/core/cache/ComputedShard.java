package dev.distill.core.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;

/**
 * One shard computed by {@link TopKCacheBuilder#computeShard} and held in memory, not yet written:
 * {@link #commit()} writes it atomically under the name its index fixes, so two attempts at the
 * same shard (a retried or speculative task) leave exactly one complete file.
 */
public final class ComputedShard {

    private final CachePlan plan;
    private final int shard;
    private final ShardWriter writer;

    ComputedShard(CachePlan plan, int shard, ShardWriter writer) {
        this.plan = plan;
        this.shard = shard;
        this.writer = writer;
    }

    /**
     * The shard's index in the cache.
     *
     * @return the index, in [0, numShards) of its plan
     */
    public int shard() {
        return shard;
    }

    /**
     * Kept positions over the shard's examples.
     *
     * @return the number of positions whose top-k the shard stores
     */
    public long positions() {
        return writer.positions();
    }

    /**
     * The file this shard belongs in ({@link CachePlan#shardFile(int)}).
     *
     * @return the shard's path; it exists only once {@link #commit()} has run
     */
    public Path file() {
        return plan.shardFile(shard);
    }

    /**
     * The complete shard file's bytes (a copy; for tests that need to write part of it).
     *
     * @return exactly the bytes {@link #commit()} writes: header, index, records and trailer
     * @throws IOException never in practice (the bytes go to memory); declared by the channel
     */
    public byte[] toBytes() throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (WritableByteChannel ch = Channels.newChannel(out)) {
            for (ByteBuffer b : writer.parts()) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        }
        return out.toByteArray();
    }

    /**
     * Writes the shard to {@link #file()} atomically (temporary file, fsync, rename), replacing
     * any file there, so a retried or concurrent attempt leaves one complete file.
     *
     * @return the shard file's size in bytes
     * @throws IOException if the file cannot be written
     */
    public long commit() throws IOException {
        return writer.write(file());
    }
}
