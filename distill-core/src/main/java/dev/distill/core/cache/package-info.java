/**
 * The teacher-output cache (used by the {@code ./distill mlm} example): one pass of the teacher
 * writes, for every kept position, its top-k token ids and probabilities, and optionally its
 * pooled embedding and chosen hidden states at every token, so later training reads them
 * instead of running the teacher.
 *
 * <ul>
 *   <li>{@link dev.distill.core.cache.TopKCacheBuilder} runs any
 *       {@link dev.distill.core.cache.TopKCacheBuilder.Teacher} (vocabulary logits at chosen
 *       positions, optionally pooled embeddings and hidden states) over
 *       {@link dev.distill.core.cache.CacheExample}s, shard by shard, each shard written
 *       atomically; a killed build resumes, keeping complete shards.
 *   <li>{@link dev.distill.core.cache.TopKCache} memory-maps the shards and returns an example's
 *       entries, a (B, T, k) batch of targets or (B, T, H) hidden states;
 *       {@code dev.distill.losses.CachedTopKSource} feeds the targets to the top-k soft-target
 *       loss, and {@link dev.distill.core.cache.CacheReplayTeacher} replays the hidden states
 *       and pooled embeddings as a teacher's {@code ModelOutputs}.
 *   <li>{@link dev.distill.core.cache.CacheFingerprint} (teacher weights, tokenizer, data,
 *       maximum length, k, masking seed, stored hidden layers) guards against reading a cache
 *       made from other inputs.
 * </ul>
 *
 * <p>Format ({@code ShardFormat}, version 2): ids in as few bytes as the vocabulary allows (2 for
 * BERT's 30,522), probabilities in fp16 ({@link dev.distill.core.cache.Fp16}), so a kept position
 * costs 2 + k·4 bytes (130 for k = 32, against 122,088 for a full fp32 distribution), plus per
 * example 4 bytes of counts and an 8-byte index entry, per stored hidden layer 2·H bytes per
 * token, and per shard a JSON header and a CRC-32 trailer.
 */
package dev.distill.core.cache;
