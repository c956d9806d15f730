/**
 * Tokenization: {@link dev.distill.models.tokenizer.TextTokenizer} wraps a Hugging Face
 * {@code tokenizer.json} (DJL's Rust tokenizer) with truncation and padding into (B, T) batches,
 * and keeps the file's bytes so an exported model ships the same tokenizer.
 */
package dev.distill.models.tokenizer;
