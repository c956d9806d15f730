package dev.distill.spark;

import java.util.Arrays;
import org.apache.spark.Partitioner;

/**
 * Routes example ids to partitions by shard: the shards still to build, in order, are cut into
 * {@code partitions} contiguous runs, so one task holds whole shards and every example of a shard
 * lands in the same task whatever the input's partitioning.
 */
final class ShardPartitioner extends Partitioner {

    private static final long serialVersionUID = 1L;

    private final int examplesPerShard;
    private final int[] shards;
    private final int partitions;

    /**
     * @param shards the shards to build, ascending
     * @param partitions at most {@code shards.length}
     */
    ShardPartitioner(int examplesPerShard, int[] shards, int partitions) {
        this.examplesPerShard = examplesPerShard;
        this.shards = shards.clone();
        this.partitions = Math.max(1, Math.min(partitions, shards.length));
    }

    @Override
    public int numPartitions() {
        return partitions;
    }

    @Override
    public int getPartition(Object key) {
        int shard = (int) ((Long) key / examplesPerShard);
        int at = Arrays.binarySearch(shards, shard);
        if (at < 0) {
            throw new IllegalStateException("example " + key + " belongs to shard " + shard + ", which is not to be"
                    + " built");
        }
        return (int) ((long) at * partitions / shards.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShardPartitioner p && p.examplesPerShard == examplesPerShard && p.partitions == partitions
                && Arrays.equals(p.shards, shards);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shards) + partitions;
    }
}
