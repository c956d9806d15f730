/**
 * Using a model after training: {@link dev.distill.models.inference.SentenceEmbedder} turns texts
 * into (optionally normalised) sentence vectors, {@link dev.distill.models.inference.Throughput}
 * measures sentences per second on real texts.
 */
package dev.distill.models.inference;
