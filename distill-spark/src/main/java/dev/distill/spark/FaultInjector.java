package dev.distill.spark;

import dev.distill.core.cache.ComputedShard;
import java.io.IOException;
import java.io.Serializable;

/**
 * A hook called in the task just before a computed shard is committed, for tests that kill a task
 * attempt mid-write (write part of the shard where a torn write would leave it, then throw) and
 * check that Spark's retry still leaves a complete, readable cache. Not for production use.
 */
@FunctionalInterface
public interface FaultInjector extends Serializable {

    /**
     * @param shard the shard about to be written
     * @param attempt the task attempt (0 first, 1 the first retry, …)
     * @param computed the shard's content; {@link ComputedShard#file()} is where it goes
     */
    void beforeCommit(int shard, int attempt, ComputedShard computed) throws IOException;
}
