/**
 * Teachers for the top-k cache and augmentation: {@link dev.distill.models.cache.MlmTeacher}
 * (encoder + MLM head, logits only at the requested positions) and the weight and tokenizer
 * hashes of the cache fingerprint.
 */
package dev.distill.models.cache;
