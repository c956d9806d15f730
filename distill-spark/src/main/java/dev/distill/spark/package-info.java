/**
 * The teacher-output cache built by Apache Spark ({@link dev.distill.spark.SparkCacheBuilder}):
 * texts from a {@code Dataset<String>}, an RDD or text files, example ids from their position in
 * the input (independent of partitioning), one teacher per executor JVM ({@link
 * dev.distill.spark.ExecutorTeachers}) reused by every task there, each shard written atomically by
 * the task that owns it, and the single-process builder's manifest and fingerprint written at the
 * end ({@link dev.distill.core.cache.CachePlan}). {@link dev.distill.spark.SparkCacheMain} is the
 * entry point of the shaded jar for {@code spark-submit}; docs/scale.md has the command lines.
 */
package dev.distill.spark;
