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

    /** The shard's index in the cache. */
    public int shard() {
        return shard;
    }

    /** Kept positions over the shard's examples. */
    public long positions() {
        return writer.positions();
    }

    /** The file this shard belongs in. */
    public Path file() {
        return plan.shardFile(shard);
    }

    /** The complete shard file's bytes (a copy; for tests that need to write part of it). */
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

    /** Writes the shard to {@link #file()} atomically (temporary file, fsync, rename); returns its size. */
    public long commit() throws IOException {
        return writer.write(file());
    }
}
