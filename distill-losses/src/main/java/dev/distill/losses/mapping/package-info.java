/**
 * The layer mapping n = g(m) between student layer m and teacher layer n (TinyBERT §3.1):
 * uniform, first-M, last-M, explicit and function strategies, with g(0) = 0 for the embeddings and
 * g(M + 1) = N + 1 for the prediction layer.
 */
package dev.distill.losses.mapping;
